"""Problem groups: feedback about the same problem in one group, and one ticket per group.

A problem group is a ``Ticket`` row: its items link to it, and it carries a running
representative (online leader clustering). A new actionable item (a complaint, an outage or a
suggestion, or any item a handler makes actionable) is compared with the representative of
every open group of its e-service (of its department when it has none), never with every stored
item. The pair scorer (app/services/analysis/problems.py, learned from labelled pairs) gives
the probability that the item reports each group's problem: at or above
``GROUPING_THRESHOLD`` it joins the most likely group; otherwise it starts one, and the groups
at or above ``SUGGESTION_THRESHOLD`` (at most three) are suggested to handlers as "probably
the same problem", to join or dismiss with one click. When a group grows, the lone reports
whose likeliest group it now is, from ``GATHERING_THRESHOLD``, are moved into it.

Every handler's judgement of an item and a group (a joined or dismissed suggestion, a merge, a
split, a link) is kept as a labelled pair with the scorer's features at that moment
(``ProblemPair``): ``routing train`` learns the next scorer from them and the seed history.

Only redacted text is ever embedded or compared, and each item is embedded once: the vector is
stored (``ItemEmbedding``), and a group keeps the sums of its members' vectors, so joining,
merging and splitting never embed again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import undefer

from app import jobs
from app.extensions import db
from app.models import (
    Department,
    EService,
    Feedback,
    FeedbackStatus,
    PairState,
    ProblemPair,
    RoutingMethod,
    Ticket,
    TicketState,
    User,
)
from app.models.types import utcnow
from app.services.analysis.problems import (
    PAIR_FEATURES,
    TERMS,
    GroupProfile,
    ItemSignals,
    PartWords,
    item_signals,
    pair_features,
    same_problem_scores,
    same_problems_among,
    stragglers,
)
from app.services.audit import record
from app.services.glossary import extra_words
from app.services.history import change_status
from app.services.tickets import (
    ITEM_STATUS_BY_CATEGORY,
    current_tracker,
    schedule_count_push,
    ticket_summary,
)
from app.services.understanding import (
    current_pair_scorer,
    item_embedding,
    likely_departments,
    likely_eservices,
    vector_bytes,
    vector_from_bytes,
)
from integrations.tracker import CATEGORY_DONE, CATEGORY_NEW

ACTIONABLE_KINDS = frozenset({"complaint", "outage", "suggestion"})
# A question may be a report in disguise ("why does the upload stop at 40 %?"): it joins the
# open group of a problem it plainly reports, but never starts one (a plain question is no
# problem to fix). Praise does not: thanks for a fix reads like the fault it thanks for.
JOINING_KINDS = frozenset({"question"})
OUTAGE = "outage"
# At most this many groups are suggested for one item.
SUGGESTIONS = 3
# The newest reports waiting in triage that ``suggest_for_triage`` looks at.
TRIAGE_SUGGESTING = 200
# Below this confidence the models' routing put three in ten of the blind tuning half's items
# in another e-service than their problem's (from it, one in fifteen): such an item may join
# a problem of another likely e-service (``_join_elsewhere``).
UNSURE_ROUTING = 0.6
# The e-services the models find likeliest for an unsure item: where it may join a problem.
LIKELY_ESERVICES = 3

# -- problem groups in the database --------------------------------------------------------

# Open groups with their profiles, an item's pair features against each, and the scorer's
# probability of each (``_score``).
Scored = tuple[list[tuple[Ticket, GroupProfile]], np.ndarray, np.ndarray]
Key = TypeVar("Key")  # what identifies a group in a scored list


class GroupingError(ValueError):
    """A handler's grouping action that cannot be done; the message says why."""


def _signals(item: Feedback, words: Sequence[PartWords] | None = None) -> ItemSignals:
    """The item's signals, with the embedding its analysis stored (or embedding it now) and
    the city's glossary ``words`` (default: read now)."""
    return item_signals(
        item.redacted_text,
        item.language,
        item_embedding(item),
        outage=item.kind == OUTAGE,
        extra_words=extra_words() if words is None else words,
    )


def _profile(ticket: Ticket) -> GroupProfile:
    if ticket.centroid is None:  # grouped before profiles were kept (or never profiled)
        return _rebuild_profile(ticket)
    if not ticket.centroid:
        return GroupProfile()
    return GroupProfile(
        embedding=vector_from_bytes(ticket.centroid),
        ngrams=vector_from_bytes(ticket.ngram_profile),
        terms=np.array([ticket.term_profile.get(t, 0.0) for t in TERMS], dtype=np.float32),
        codes=set(ticket.error_codes),
        members=ticket.profile_members,
        outages=ticket.profile_outages,
        languages=Counter(ticket.profile_languages),
    )


def _store_profile(ticket: Ticket, profile: GroupProfile) -> None:
    # b"" (not NULL) marks a group that has no members left, so it is never rebuilt.
    ticket.centroid = b"" if profile.empty else vector_bytes(profile.embedding)
    ticket.ngram_profile = b"" if profile.empty else vector_bytes(profile.ngrams)
    ticket.term_profile = {
        term: round(float(w), 4) for term, w in zip(TERMS, profile.terms, strict=True) if w
    }
    ticket.error_codes = sorted(profile.codes)
    ticket.profile_members, ticket.profile_outages = profile.members, profile.outages
    ticket.profile_languages = dict(profile.languages)


def _rebuild_profile(ticket: Ticket) -> GroupProfile:
    """The group's representative summed again from its members (a member left, or one's
    kind was corrected)."""
    profile, words = GroupProfile(), extra_words()
    for member in db.session.scalars(select(Feedback).where(Feedback.ticket_id == ticket.id)):
        profile.add(_signals(member, words))
    _store_profile(ticket, profile)
    return profile


def _lock_scopes(*scopes: tuple[EService | None, Department]) -> None:
    """Serialise grouping within each e-service (or department), so two workers cannot both
    start a group for the same problem, nor a handler's correction race a joining item.
    Locked in one order, so two handlers cannot deadlock. FOR NO KEY UPDATE, not FOR UPDATE:
    rows written earlier in the same transaction that refer to the e-service (the routed item,
    a new ticket) hold KEY SHARE locks on it, which FOR UPDATE would wait for in the other
    worker: a deadlock. A no-op on SQLite (one writer)."""
    _lock_in_order(*_scope_keys(scopes))


def _scope_key(eservice: EService | None, department: Department) -> tuple[type, int]:
    """The row whose lock serialises grouping in a scope: its e-service's, else its
    department's."""
    return (EService, eservice.id) if eservice is not None else (Department, department.id)


def _scope(ticket: Ticket) -> tuple[EService | None, Department]:
    return ticket.eservice, ticket.department


def _is_open() -> tuple[ColumnElement[bool], ...]:
    """Conditions on Ticket: a group that may take items (not merged, deleted, resolved or
    closed)."""
    return (
        Ticket.state.in_((TicketState.HELD, TicketState.PENDING, TicketState.OPEN)),
        or_(Ticket.status_category.is_(None), Ticket.status_category != CATEGORY_DONE),
        Ticket.outcome.is_(None),
    )


def _open_groups(eservice: EService | None, department: Department) -> list[Ticket]:
    """Groups an item of this scope may join."""
    query = select(Ticket).where(*_is_open())
    if eservice is not None:
        query = query.where(Ticket.eservice_id == eservice.id)
    else:
        query = query.where(Ticket.eservice_id.is_(None), Ticket.department_id == department.id)
    return list(db.session.scalars(query.order_by(Ticket.id)))


def _new_group(item: Feedback) -> Ticket:
    ticket = Ticket(
        tracker=current_tracker().name,
        state=TicketState.HELD,
        summary=ticket_summary(item),
        department=item.department,
        eservice=item.eservice,
    )
    db.session.add(ticket)
    _store_profile(ticket, GroupProfile())
    return ticket


def _member_count(ticket: Ticket) -> int:
    db.session.flush()
    return db.session.scalar(select(func.count(Feedback.id)).where(Feedback.ticket_id == ticket.id))


def _release(ticket: Ticket) -> None:
    """Send the group to the tracker: the reconciler and processing open PENDING tickets."""
    ticket.state = TicketState.PENDING
    ticket.next_attempt_at = utcnow()


def _release_when_due(ticket: Ticket, outage: bool) -> None:
    """An outage opens its ticket at once; otherwise the group needs TICKET_MIN_ITEMS items
    (0: only a handler sends it)."""
    if ticket.state != TicketState.HELD:
        return
    minimum = current_app.config["TICKET_MIN_ITEMS"]
    # The stored profile counts the members (every caller stores it first): no flush and
    # count query on each arriving item, which would also write the item twice.
    if outage or (minimum > 0 and ticket.profile_members >= minimum):
        _release(ticket)


def _link(item: Feedback, ticket: Ticket) -> None:
    item.ticket = ticket
    change_status(
        item, ITEM_STATUS_BY_CATEGORY.get(ticket.status_category, FeedbackStatus.FORWARDED)
    )
    schedule_count_push(ticket)


def _unlink(item: Feedback) -> Ticket | None:
    """Take the item out of its group, whose representative is rebuilt without it."""
    old = item.ticket
    if old is None:
        return None
    item.ticket = None
    db.session.flush()
    _rebuild_profile(old)
    schedule_count_push(old)
    return old


def leave_group(item: Feedback) -> Ticket | None:
    """Take the item out of its group (it was routed elsewhere); the group's representative is
    summed again without it. Returns the group it left (the caller commits)."""
    if item.ticket is None:
        return None
    _lock_scopes(_scope(item.ticket))
    return _unlink(item)


def group_feedback(item: Feedback, *, actionable: bool = False) -> Ticket | None:
    """Put a routed item into the open group of its problem, or start one and suggest the
    likely groups to handlers (the caller commits). An item routing left to triage may join
    an open problem of a likely department (``_join_from_triage``).

    Only actionable kinds start groups unless ``actionable`` (a handler's decision); joining
    kinds only join one. Returns the group, or None when the item is not grouped.
    """
    starts = actionable or item.kind in ACTIONABLE_KINDS
    if not (starts or item.kind in JOINING_KINDS):
        return None
    if item.ticket is not None:
        return item.ticket
    if item.department is None:
        return _join_from_triage(item)
    signals = _signals(item)
    elsewhere = _likely_elsewhere(item)
    # What these read is not pending, so the item is written once, with its group, below.
    with db.session.no_autoflush:
        others = [eservice for eservice, _ in elsewhere]
        _lock_in_order(*_scope_keys([(item.eservice, item.department)], others))
        groups, features, scores = _scored(signals, _open_groups(item.eservice, item.department))
    best = int(np.argmax(scores)) if len(scores) else None
    if best is not None and scores[best] >= current_app.config["GROUPING_THRESHOLD"]:
        ticket, profile = groups[best]
    elif elsewhere and (joined := _join_elsewhere(item, signals, elsewhere)) is not None:
        return joined
    elif not starts:
        return None
    else:
        ticket, profile = _new_group(item), GroupProfile()
        _suggest(item, [group for group, _ in groups], features, scores)
    _join(item, signals, ticket, profile, groups)
    return ticket


def _join_from_triage(item: Feedback) -> Ticket | None:
    """An item too unsure to route that plainly reports an open problem of the department the
    models find likeliest joins that problem's group, and goes where the problem is handled
    (``RoutingMethod.PROBLEM``): the problem is known, so no handler need route it. Otherwise
    it waits in triage, ungrouped, and the open problems it most likely reports, in whichever
    department, are suggested to handlers (joining one routes the item there). Returns the
    group joined."""
    likeliest = _likeliest_department(item)
    if likeliest is None:
        return None
    signals = _signals(item)
    with db.session.no_autoflush:
        _lock_department(likeliest)  # the item may join a group of it: read them locked
        scored = _scored_by_department(signals, _groups_by_department())
    groups, _, scores = scored.get(likeliest, ([], None, np.zeros(0)))
    if (joined := _join_reported(item, signals, groups, scores)) is not None:
        return joined
    _suggest_across_departments(item, scored)
    return None


def _likely_elsewhere(item: Feedback) -> list[tuple[EService, float]]:
    """The e-services but its own that the models find likely for a routed item they were
    unsure of (``UNSURE_ROUTING``), each with its probability against the likeliest one's:
    where it may join a problem it plainly reports. None for an item routed surely, by a
    rule, or by a person."""
    if item.routing_method != RoutingMethod.MODEL or item.routing_confidence is None:
        return []
    if item.routing_confidence >= UNSURE_ROUTING:
        return []
    likely = likely_eservices(item, LIKELY_ESERVICES)
    return [
        (eservice, probability / likely[0][1])
        for eservice, probability in likely
        if eservice is not item.eservice
    ]


def _join_elsewhere(
    item: Feedback, signals: ItemSignals, eservices: list[tuple[EService, float]]
) -> Ticket | None:
    """An unsure routed item that plainly reports an open problem of another likely e-service
    (``eservices``, their scopes locked) joins that problem's group and goes where the
    problem is handled. Each e-service's groups are scored among themselves, as for an item
    routed there, and the scorer's probability (learned on pairs of one e-service) is weighed
    by how likely the e-service is against the likeliest: the same fault worded alike in two
    e-services (a decision "still 'Received'" in the building permit and in assistive
    devices) is told apart only by which e-service the text is about. Returns the group
    joined."""
    groups: list[tuple[Ticket, GroupProfile]] = []
    scores = []
    for eservice, likelihood in eservices:
        scope, _, scored = _scored(signals, _open_groups(eservice, eservice.department))
        groups += scope
        scores.append(scored * likelihood)
    if not groups:
        return None
    return _join_reported(item, signals, groups, np.concatenate(scores))


def _join_reported(
    item: Feedback,
    signals: ItemSignals,
    groups: list[tuple[Ticket, GroupProfile]],
    scores: np.ndarray,
) -> Ticket | None:
    """Join ``item`` to the likeliest of ``groups`` (scored ``scores``) when it plainly reports
    that problem (``TRIAGE_JOINING_THRESHOLD``), routed where the problem is handled
    (``RoutingMethod.PROBLEM``): the problem is known, so no handler need route it. Returns
    the group joined."""
    if not len(scores) or scores.max() < current_app.config["TRIAGE_JOINING_THRESHOLD"]:
        return None
    best = int(np.argmax(scores))
    ticket, profile = groups[best]
    item.eservice, item.department = ticket.eservice, ticket.department
    item.routing_method = RoutingMethod.PROBLEM
    item.routing_confidence = round(float(scores[best]), 3)
    # Only the group's own scope competes for what it gathers, as for any joining item.
    scope = [pair for pair in groups if _scope(pair[0]) == _scope(ticket)]
    _join(item, signals, ticket, profile, scope)
    return ticket


def _likeliest_department(item: Feedback) -> Department | None:
    """The department whose open problems an item too unsure to route may join."""
    likely = likely_departments(item, count=1)
    return likely[0][0] if likely else None


def _scored_by_department(
    signals: ItemSignals, departments: dict[Department, list[tuple[Ticket, GroupProfile]]]
) -> dict[Department, Scored]:
    """``_score`` for each department's open groups: scored among themselves, as a routed
    item's are among its e-service's."""
    return {department: _score(signals, groups) for department, groups in departments.items()}


def _suggest_across_departments(
    item: Feedback,
    scored: dict[Department, Scored],
    known: frozenset[int] = frozenset(),
) -> int:
    """``_suggest`` among the groups of every department."""
    if not scored:
        return 0
    return _suggest(
        item,
        [ticket for groups, _, _ in scored.values() for ticket, _ in groups],
        np.vstack([features for _, features, _ in scored.values()]),
        np.concatenate([scores for _, _, scores in scored.values()]),
        known,
    )


def _suggest(
    item: Feedback,
    tickets: list[Ticket],
    features: np.ndarray,
    scores: np.ndarray,
    known: frozenset[int] = frozenset(),
) -> int:
    """Suggest to handlers the (at most ``SUGGESTIONS``) groups among ``tickets`` the item most
    likely reports, from ``SUGGESTION_THRESHOLD``, but for the groups (ids) ``known`` already
    as suggested or judged for it. Returns how many were suggested."""
    made = 0
    for row in np.argsort(-scores, kind="stable")[:SUGGESTIONS]:
        if scores[row] >= current_app.config["SUGGESTION_THRESHOLD"]:
            if tickets[row].id not in known:
                _add_pair(item, tickets[row], PairState.SUGGESTED, features[row], scores[row])
                made += 1
    return made


def suggest_for_triage() -> int:
    """Suggest again, against the open problems as they are now, for the reports waiting in
    triage: suggestions are made when a report arrives, so one that came before its problem's
    group formed is offered it once the group exists. A group once suggested for a report, or
    judged for it, is not suggested again. Returns how many suggestions were made."""
    waiting = list(
        db.session.scalars(
            select(Feedback)
            .where(
                Feedback.status == FeedbackStatus.TRIAGE,
                Feedback.department_id.is_(None),
                Feedback.ticket_id.is_(None),
                Feedback.kind.in_(ACTIONABLE_KINDS | JOINING_KINDS),
            )
            .order_by(Feedback.id.desc())
            .limit(TRIAGE_SUGGESTING)
        )
    )
    departments = _groups_by_department()
    if not waiting or not departments:
        return 0
    known: dict[int, set[int]] = {}
    pairs = select(ProblemPair.feedback_id, ProblemPair.ticket_id).where(
        ProblemPair.feedback_id.in_([report.id for report in waiting])
    )
    for feedback_id, ticket_id in db.session.execute(pairs):
        known.setdefault(feedback_id, set()).add(ticket_id)
    words = extra_words()
    made = sum(
        _suggest_across_departments(
            report,
            _scored_by_department(_signals(report, words), departments),
            frozenset(known.get(report.id, ())),
        )
        for report in waiting
    )
    db.session.commit()
    return made


def _scored(signals: ItemSignals, tickets: list[Ticket]) -> Scored:
    """``_score`` of the open groups ``tickets`` with their profiles (scopes locked first)."""
    return _score(signals, [(ticket, _profile(ticket)) for ticket in tickets])


def _score(signals: ItemSignals, groups: list[tuple[Ticket, GroupProfile]]) -> Scored:
    """The open ``groups``, the pair features of an item's ``signals`` against each, and the
    scorer's probability of each."""
    features = pair_features(signals, [profile for _, profile in groups])
    return groups, features, current_pair_scorer().probabilities(features)


def _lock_department(department: Department) -> None:
    """``_lock_scopes`` for every scope of ``department``: its own and its e-services' (in
    the same order)."""
    _lock_in_order(whole={department.id})


def lock_for_grouping(items: Sequence[Feedback]) -> None:
    """Take at once the scope locks that grouping each of the routed ``items`` will take, so
    that one transaction can group several items: one by one, two workers each grouping a
    batch could take two scopes in opposite orders and deadlock. In the order every
    grouping transaction takes them (``_lock_in_order``), so the locks each item then asks
    for are already held."""
    scopes: list[tuple[EService | None, Department]] = []
    elsewhere: list[EService] = []
    whole: set[int] = set()  # departments locked with all their e-services
    for item in items:
        if item.ticket is not None or item.kind not in ACTIONABLE_KINDS | JOINING_KINDS:
            continue
        if item.department is not None:
            scopes.append((item.eservice, item.department))
            elsewhere += [eservice for eservice, _ in _likely_elsewhere(item)]  # as grouping
        elif (likeliest := _likeliest_department(item)) is not None:
            whole.add(likeliest.id)  # as ``_join_from_triage`` locks it
    _lock_in_order(*_scope_keys(scopes, elsewhere), whole=whole)


def _scope_keys(
    scopes: Sequence[tuple[EService | None, Department]], eservices: Sequence[EService] = ()
) -> tuple[set[int], set[int]]:
    """The ids of the departments and of the e-services whose rows lock ``scopes`` and the
    scopes of ``eservices`` (``_scope_key``), for ``_lock_in_order``."""
    keys = {_scope_key(eservice, department) for eservice, department in scopes}
    keys |= {(EService, eservice.id) for eservice in eservices}
    return (
        {key for model, key in keys if model is Department},
        {key for model, key in keys if model is EService},
    )


def _lock_in_order(
    departments: AbstractSet[int] = frozenset(),
    eservices: AbstractSet[int] = frozenset(),
    whole: AbstractSet[int] = frozenset(),
) -> None:
    """Lock the scope rows of ``departments`` and of ``eservices``, and of ``whole``
    departments with all their e-services: departments, then e-services, each by id (the
    order ``_lock_scopes`` keeps). FOR NO KEY UPDATE, as ``_lock_scopes`` says why."""
    if departments | whole:
        db.session.execute(
            select(Department.id)
            .where(Department.id.in_(departments | whole))
            .order_by(Department.id)
            .with_for_update(key_share=True)
        )
    if eservices or whole:
        db.session.execute(
            select(EService.id)
            .where(or_(EService.id.in_(eservices), EService.department_id.in_(whole)))
            .order_by(EService.id)
            .with_for_update(key_share=True)
        )


def _groups_by_department() -> dict[Department, list[tuple[Ticket, GroupProfile]]]:
    """Every open group with its profile, by department (of its e-service or its own): read
    once, however many reports are then scored against them."""
    groups: dict[Department, list[tuple[Ticket, GroupProfile]]] = {}
    for ticket in db.session.scalars(select(Ticket).where(*_is_open()).order_by(Ticket.id)):
        groups.setdefault(ticket.department, []).append((ticket, _profile(ticket)))
    return groups


def _join(
    item: Feedback,
    signals: ItemSignals,
    ticket: Ticket,
    profile: GroupProfile,
    groups: list[tuple[Ticket, GroupProfile]],
) -> None:
    """``item`` becomes a member of ``ticket`` (new or one of its scope's open ``groups``),
    which then gathers the lone reports of its problem and goes to the tracker when due."""
    profile.add(signals)
    _store_profile(ticket, profile)
    _link(item, ticket)
    outage = item.kind == OUTAGE
    if profile.members > 1:
        outage |= _gather_stragglers(ticket, profile, groups)
    _release_when_due(ticket, outage=outage)


def _untouched(ticket: Ticket) -> bool:
    """Whether nobody has begun on the group's problem: held, or its issue still to do."""
    return ticket.state == TicketState.HELD or ticket.status_category in (None, CATEGORY_NEW)


def _judged_groups(tickets: list[Ticket]) -> set[int]:
    """The ids of those groups with a member a handler has judged (joined, dismissed, merged,
    split or linked)."""
    return set(
        db.session.scalars(
            select(Feedback.ticket_id)
            .join(ProblemPair, ProblemPair.feedback_id == Feedback.id)
            .where(
                Feedback.ticket_id.in_([ticket.id for ticket in tickets]),
                ProblemPair.state.in_(PairState.DECIDED),
            )
        )
    )


def _gather_stragglers(
    ticket: Ticket, profile: GroupProfile, groups: list[tuple[Ticket, GroupProfile]]
) -> bool:
    """Move into the grown group ``ticket`` the lone reports that now belong there
    (``problems.stragglers``), from groups of one that nobody has begun on and whose report no
    handler has judged (a split or a dismissal stands). The emptied group is left merged;
    its tracker issue, if it has one, is closed as a duplicate by the next count push
    (``tickets.push_affected_counts``). Returns whether an outage report was moved."""
    lone = {
        other: other_profile
        for other, other_profile in groups
        if other is not ticket and other_profile.members == 1 and _untouched(other)
    }
    if not lone:
        return False
    with db.session.no_autoflush:  # the joining item is written once, with its group
        judged = _judged_groups(list(lone))
        moved = stragglers(
            ticket,
            groups,
            [other for other in lone if other.id not in judged],
            current_app.config["GATHERING_THRESHOLD"],
            current_pair_scorer(),
        )
        members = {
            source: db.session.scalars(
                select(Feedback).where(Feedback.ticket_id == source.id)
            ).all()
            for source in moved
        }
    outage = False
    for source in moved:
        for member in members[source]:
            _link(member, ticket)
            outage |= member.kind == OUTAGE
        profile.absorb(lone[source])
        _store_profile(source, GroupProfile())
        source.state, source.merged_into = TicketState.MERGED, ticket
        schedule_count_push(source)
        record(None, "problem_group.gathered", source, into=ticket.id, items=len(members[source]))
    if moved:
        _store_profile(ticket, profile)
    return outage


def _add_pair(
    item: Feedback,
    ticket: Ticket,
    state: str,
    features: np.ndarray,
    score: float,
    actor: User | None = None,
) -> ProblemPair:
    pair = ProblemPair(
        feedback=item,
        ticket=ticket,
        state=state,
        score=round(float(score), 4),
        features={
            name: round(float(value), 5)
            for name, value in zip(PAIR_FEATURES, features, strict=True)
        },
        decided_by=actor,
        decided_at=None if actor is None else utcnow(),
    )
    db.session.add(pair)
    return pair


def _judge(item: Feedback, ticket: Ticket, profile: GroupProfile, state: str, actor: User) -> None:
    """Keep a handler's judgement of ``item`` and a group (as ``profile`` is without it) as a
    labelled pair for the next ``routing train``."""
    features = pair_features(_signals(item), [profile])
    score = current_pair_scorer().probabilities(features)[0]
    _add_pair(item, ticket, state, features[0], score, actor)


def _commit_and_open(ticket: Ticket) -> None:
    db.session.commit()
    if ticket.state == TicketState.PENDING:
        jobs.enqueue("open_ticket", ticket.id)


def kind_corrected(item: Feedback, previous_kind: str | None) -> None:
    """A handler corrected the item's kind: when that changed whether it is an outage, its
    group's representative is summed again (the caller commits)."""
    ticket = item.ticket
    if ticket is None or (previous_kind == OUTAGE) == (item.kind == OUTAGE):
        return
    _lock_scopes(_scope(ticket))
    _rebuild_profile(ticket)


def make_actionable(item: Feedback, actor: User) -> Ticket:
    """A handler decides that an item (e.g. a question or praise) reports a problem to fix."""
    if item.department is None:
        raise GroupingError(_("route the item to a department first"))
    ticket = group_feedback(item, actionable=True)
    record(actor, "feedback.made_actionable", item, kind=item.kind, ticket=ticket.id)
    _commit_and_open(ticket)
    return ticket


def send_to_tracker(ticket: Ticket, actor: User) -> Ticket:
    """A handler decides that a held group is worth a ticket now."""
    if ticket.state != TicketState.HELD:
        raise GroupingError(_("this group is already sent to the tracker"))
    _release(ticket)
    record(actor, "problem_group.sent", ticket, items=_member_count(ticket))
    _commit_and_open(ticket)
    return ticket


def takes_items(ticket: Ticket) -> bool:
    """Whether items may still be merged or linked into ``ticket`` (or split out of it)."""
    try:
        _check_joinable(ticket)
    except GroupingError:
        return False
    return True


def _check_joinable(ticket: Ticket) -> None:
    if ticket.state in (TicketState.GONE, TicketState.MERGED):
        raise GroupingError(_("that problem group was merged or deleted"))
    if ticket.status_category == CATEGORY_DONE or ticket.outcome is not None:
        raise GroupingError(_("that ticket is resolved; reopen it first"))


def merge_candidates(ticket: Ticket) -> list[Ticket]:
    """The open groups of ``ticket``'s department it could be merged into, newest first."""
    return list(
        db.session.scalars(
            select(Ticket)
            .where(
                *_is_open(), Ticket.department_id == ticket.department_id, Ticket.id != ticket.id
            )
            .order_by(Ticket.id.desc())
        )
    )


def _check_two_groups(first: Ticket, second: Ticket) -> None:
    """Two open groups of one department that a handler may merge or tell apart; their
    scopes are locked."""
    if first.id == second.id:
        raise GroupingError(_("choose two different groups"))
    # Each department's handlers answer for its groups; moving items across departments is
    # re-routing, which teaches the router, not a merge.
    if first.department_id != second.department_id:
        raise GroupingError(_("that group belongs to another department"))
    _check_joinable(first)
    _check_joinable(second)
    _lock_scopes(_scope(first), _scope(second))


def merge_groups(source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Move every item of ``source`` into ``target``; ``source`` is left merged and empty.

    A tracker issue ``source`` may have is left as it is, for the team to close as a duplicate.
    """
    _check_two_groups(source, target)
    items = list(db.session.scalars(select(Feedback).where(Feedback.ticket_id == source.id)))
    profile = _profile(target)
    for item in items:  # each item of the source and the target as it was: same problem
        _judge(item, target, profile, PairState.MERGED, actor)
    profile.absorb(_profile(source))
    for item in items:
        _link(item, target)
    _store_profile(target, profile)
    _store_profile(source, GroupProfile())
    source.state, source.merged_into = TicketState.MERGED, target
    source.count_due_at = None  # its issue is left for the team (above), not closed by a push
    _release_when_due(target, outage=any(item.kind == OUTAGE for item in items))
    record(
        actor,
        "problem_group.merged",
        target,
        source={"id": source.id, "key": source.key},
        items=[item.id for item in items],
    )
    _commit_and_open(target)
    return target


def likely_same_problems(ticket: Ticket) -> list[tuple[Ticket, float]]:
    """The open groups of ``ticket``'s department that probably report its problem, with the
    likelihood (``same_problem_scores``), most likely first: at most ``SUGGESTIONS``, from
    ``MERGE_SUGGESTION_THRESHOLD``. None that a handler has told apart from it
    (``tell_apart``, or an item of one split out of or dismissed for the other).

    Of the whole department, as merging is, not only of the group's e-service: a report
    that names no service may be routed to a sibling e-service of its problem's (blind
    tuning half: recall after merging the right ones 0.850 against 0.808; bench/results/
    grouping.md)."""
    if not takes_items(ticket) or ticket.centroid == b"":
        return []
    others = [other for other in merge_candidates(ticket) if other.centroid != b""]
    apart = _told_apart([ticket, *others])
    candidates = [
        (other, _profile(other))
        for other in others
        if frozenset((ticket.id, other.id)) not in apart
    ]
    return _offered(same_problem_scores(_profile(ticket), candidates, current_pair_scorer()))


def _offered(scored: list[tuple[Key, float]]) -> list[tuple[Key, float]]:
    """Of groups scored most likely first, those offered as probably the same problem."""
    threshold = current_app.config["MERGE_SUGGESTION_THRESHOLD"]
    return [(other, score) for other, score in scored if score >= threshold][:SUGGESTIONS]


@dataclass(frozen=True)
class LikelyDuplicate:
    """Two open groups of one department probably about one problem: ``larger`` has more
    affected citizens (a merge moves ``smaller``'s items into it)."""

    larger: Ticket
    smaller: Ticket
    likelihood: float


def likely_duplicates(scope: ColumnElement[bool]) -> list[LikelyDuplicate]:
    """Every pair of open groups that a problem page offers as probably one problem
    (``likely_same_problems``), among the groups ``scope`` (a condition on Ticket) selects,
    each pair once, most likely first: one list for a handler to merge or tell apart in a
    sitting, where the problem pages show each group's offers on its own."""
    departments: dict[int, list[Ticket]] = {}
    query = select(Ticket).where(*_is_open(), scope).options(undefer(Ticket.affected_count))
    for ticket in db.session.scalars(query):
        if ticket.centroid != b"":
            departments.setdefault(ticket.department_id, []).append(ticket)
    found = [pair for tickets in departments.values() for pair in _duplicates_among(tickets)]
    return sorted(found, key=lambda pair: (-pair.likelihood, pair.larger.id))


def _duplicates_among(tickets: list[Ticket]) -> list[LikelyDuplicate]:
    """``likely_duplicates`` among the open groups of one department, whose profiles and
    told-apart pairs are read once, and each pair scored once."""
    by_id = {ticket.id: ticket for ticket in tickets}
    scored = same_problems_among(
        [(ticket.id, _profile(ticket)) for ticket in tickets],
        _told_apart(tickets),
        current_pair_scorer(),
    )
    found: dict[frozenset[int], LikelyDuplicate] = {}
    for ticket_id, likely in scored.items():
        for other_id, likelihood in _offered(likely):
            pair = (by_id[ticket_id], by_id[other_id])
            larger, smaller = sorted(pair, key=lambda g: (-g.affected_count, g.id))
            found.setdefault(
                frozenset((ticket_id, other_id)), LikelyDuplicate(larger, smaller, likelihood)
            )
    return list(found.values())


def _told_apart(tickets: Sequence[Ticket]) -> set[frozenset[int]]:
    """The pairs of ``tickets`` (ids) of which a handler has said that an item of one is not
    the other's problem."""
    ids = [ticket.id for ticket in tickets]
    pairs = db.session.execute(
        select(Feedback.ticket_id, ProblemPair.ticket_id)
        .join(Feedback, ProblemPair.feedback_id == Feedback.id)
        .where(
            ProblemPair.state.in_(PairState.APART),
            Feedback.ticket_id.in_(ids),
            ProblemPair.ticket_id.in_(ids),
        )
    )
    return {frozenset(pair) for pair in pairs}


def tell_apart(ticket: Ticket, other: Ticket, actor: User) -> None:
    """A handler says two groups report different problems: each item of either, with the
    other group, is kept as a labelled pair of two problems for the next ``routing train``,
    and the two are no longer suggested as one."""
    _check_two_groups(ticket, other)
    for source, target in ((ticket, other), (other, ticket)):
        profile = _profile(target)
        for item in db.session.scalars(select(Feedback).where(Feedback.ticket_id == source.id)):
            _judge(item, target, profile, PairState.DISMISSED, actor)
    record(actor, "problem_group.told_apart", ticket, other={"id": other.id, "key": other.key})
    db.session.commit()


def split_item(item: Feedback, actor: User) -> Ticket:
    """Take an item out of a group it does not belong to; it starts a group of its own."""
    if item.ticket is None:
        raise GroupingError(_("the item is in no group"))
    if _member_count(item.ticket) < 2:
        raise GroupingError(_("the item is already alone in its group"))
    _lock_scopes(_scope(item.ticket), (item.eservice, item.department))
    old = _unlink(item)
    _judge(item, old, _profile(old), PairState.SPLIT, actor)
    signals = _signals(item)
    ticket = _new_group(item)
    profile = GroupProfile()
    profile.add(signals)
    _store_profile(ticket, profile)
    _link(item, ticket)
    _release_when_due(ticket, outage=item.kind == OUTAGE)
    record(actor, "feedback.split", item, before={"ticket": old.id, "key": old.key})
    _commit_and_open(ticket)
    return ticket


def link_to_ticket(item: Feedback, key: str, actor: User) -> Ticket:
    """A handler links an item to an existing ticket by its tracker key ("EDU-12")."""
    target = db.session.scalars(select(Ticket).where(Ticket.key == key.strip())).first()
    if target is None:
        raise GroupingError(_("no ticket %(key)s in civicloop", key=key.strip()))
    if target.department_id != item.department_id:
        raise GroupingError(_("that ticket belongs to another department; re-route the item first"))
    _check_joinable(target)
    if item.ticket is target:
        return target
    old = _move_into(item, target, actor, PairState.LINKED)
    record(
        actor,
        "feedback.linked",
        item,
        before={"ticket": old.id if old else None, "key": old.key if old else None},
        after={"ticket": target.id, "key": target.key},
    )
    _commit_and_open(target)
    return target


def _move_into(
    item: Feedback, target: Ticket, actor: User, judged_as: str | None = None
) -> Ticket | None:
    """Move ``item`` into ``target``; a handler's judgement ``judged_as`` is kept as a
    labelled pair. Returns the group the item left."""
    _lock_scopes(_scope(target), *([_scope(item.ticket)] if item.ticket else []))
    old = _unlink(item)
    profile = _profile(target)
    if judged_as is not None:
        _judge(item, target, profile, judged_as, actor)
    profile.add(_signals(item))
    _store_profile(target, profile)
    _link(item, target)
    return old


def open_suggestions(
    *,
    item: Feedback | None = None,
    ticket: Ticket | None = None,
    items: Sequence[Feedback] | None = None,
) -> list[ProblemPair]:
    """Suggestions still to judge for an item ("probably the same as problem N"), for a group
    (items that probably report its problem) or for any of ``items`` (a page of them), most
    likely first. A suggestion lapses when the group no longer takes items or the item is in
    it already."""
    query = (
        select(ProblemPair)
        .join(Ticket, ProblemPair.ticket_id == Ticket.id)
        .join(Feedback, ProblemPair.feedback_id == Feedback.id)
        .where(ProblemPair.state == PairState.SUGGESTED, *_is_open())
        .where(or_(Feedback.ticket_id.is_(None), Feedback.ticket_id != ProblemPair.ticket_id))
        .order_by(ProblemPair.score.desc(), ProblemPair.id)
    )
    if item is not None:
        query = query.where(ProblemPair.feedback_id == item.id)
    if ticket is not None:
        query = query.where(ProblemPair.ticket_id == ticket.id)
    if items is not None:
        query = query.where(ProblemPair.feedback_id.in_([each.id for each in items]))
    return list(db.session.scalars(query))


def triage_suggestions(items: Sequence[Feedback]) -> dict[int, list[ProblemPair]]:
    """The (at most ``SUGGESTIONS``) likeliest open suggestions of each of ``items`` (a page
    of the triage queue), by item id."""
    suggestions: dict[int, list[ProblemPair]] = {}
    for pair in open_suggestions(items=items):
        suggestions.setdefault(pair.feedback_id, []).append(pair)
    return {item: pairs[:SUGGESTIONS] for item, pairs in suggestions.items()}


def _open_suggestion(pair: ProblemPair) -> None:
    if pair.state != PairState.SUGGESTED:
        raise GroupingError(_("this suggestion was already decided"))
    _check_joinable(pair.ticket)
    if pair.feedback.ticket_id == pair.ticket_id:
        raise GroupingError(_("the item is in that group already"))


def join_suggestion(pair: ProblemPair, actor: User) -> Ticket:
    """A handler agrees: the item reports the suggested group's problem and joins it. An item
    waiting in triage is routed where that problem is handled, as the handler's decision
    (which teaches the router, as routing it from the triage page does)."""
    _open_suggestion(pair)
    item, target = pair.feedback, pair.ticket
    routed = item.department is None
    if routed:
        item.eservice, item.department = target.eservice, target.department
        item.routing_method, item.routing_confidence = RoutingMethod.HANDLER, 1.0
    elif target.department_id != item.department_id:
        raise GroupingError(_("that ticket belongs to another department; re-route the item first"))
    old = _move_into(item, target, actor)
    # The suggestion becomes the labelled pair, with its features as the handler saw them.
    pair.state, pair.decided_by, pair.decided_at = PairState.JOINED, actor, utcnow()
    record(
        actor,
        "feedback.suggestion_joined",
        item,
        before={"ticket": old.id if old else None, "key": old.key if old else None},
        after={"ticket": target.id, "key": target.key},
        score=pair.score,
        **({"routed_to": target.department.code} if routed else {}),
    )
    _commit_and_open(target)
    return target


def dismiss_suggestion(pair: ProblemPair, actor: User) -> None:
    """A handler says the item reports another problem: a labelled pair of two problems."""
    _open_suggestion(pair)
    pair.state, pair.decided_by, pair.decided_at = PairState.DISMISSED, actor, utcnow()
    record(
        actor,
        "feedback.suggestion_dismissed",
        pair.feedback,
        ticket={"id": pair.ticket_id, "key": pair.ticket.key},
        score=pair.score,
    )
    db.session.commit()

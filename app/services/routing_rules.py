"""Admins' routing rules: phrases that send an item to an e-service, edited on the staff site.

Every change is audited. A rule takes effect for the next item processed: the router reads
the active rules from the database each time (app/services/understanding.routing_rules).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import EService, RoutingRule, TrainedModel, User
from app.models.types import utcnow
from app.services.analysis import Analysis, RuleMatch, analyse_feedback
from app.services.audit import record
from app.services.privacy import redact
from app.services.understanding import current_models, explain_routing, routing_rules

MAX_PHRASES = 100
MAX_PHRASE_LENGTH = 200


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class RuleDraft:
    """What an admin wrote: the e-service's code, the language (None: any), the phrases."""

    eservice: str
    language: str | None
    phrases: tuple[str, ...]
    priority: int = 100
    active: bool = True


@dataclass(frozen=True)
class RoutingTrial:
    """What the router would do with a text: the text as the router sees it (redacted),
    the rules that fire, and the decision."""

    text: str
    matches: list[RuleMatch]
    analysis: Analysis


def parse_phrases(text: str) -> tuple[str, ...]:
    """One phrase per line; blank lines and repeats dropped, order kept."""
    phrases: list[str] = []
    for line in text.splitlines():
        phrase = " ".join(line.split())
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return tuple(phrases)


def _describe(rule: RoutingRule) -> dict:
    return {
        "eservice": rule.eservice.code,
        "language": rule.language,
        "phrases": list(rule.phrases),
        "priority": rule.priority,
        "active": rule.active,
    }


def _apply(rule: RoutingRule, draft: RuleDraft) -> None:
    if not draft.phrases:
        raise RuleError("a rule needs at least one phrase")
    if len(draft.phrases) > MAX_PHRASES or any(len(p) > MAX_PHRASE_LENGTH for p in draft.phrases):
        raise RuleError(f"at most {MAX_PHRASES} phrases of {MAX_PHRASE_LENGTH} characters")
    eservice = db.session.scalars(select(EService).where(EService.code == draft.eservice)).first()
    if eservice is None:
        raise RuleError(f"unknown e-service {draft.eservice!r}")
    rule.eservice = eservice
    rule.language = draft.language
    rule.phrases = list(draft.phrases)
    rule.priority = draft.priority
    rule.active = draft.active
    rule.updated_at = utcnow()


def create_rule(draft: RuleDraft, actor: User) -> RoutingRule:
    rule = RoutingRule()
    _apply(rule, draft)
    db.session.add(rule)
    db.session.flush()
    record(actor, "routing_rule.created", rule, after=_describe(rule))
    db.session.commit()
    return rule


def update_rule(rule: RoutingRule, draft: RuleDraft, actor: User) -> RoutingRule:
    before = _describe(rule)
    _apply(rule, draft)
    record(actor, "routing_rule.changed", rule, before=before, after=_describe(rule))
    db.session.commit()
    return rule


def list_rules() -> list[RoutingRule]:
    return list(
        db.session.scalars(
            select(RoutingRule).order_by(RoutingRule.active.desc(), RoutingRule.priority.desc())
        )
    )


def try_routing(text: str, language: str | None = None) -> RoutingTrial:
    """Route a text without storing anything: the staff site's test box. The text is
    redacted first, as every stored item is, so the trial sees what the router would."""
    redacted = redact(text, [])
    models = current_models()
    analysis = analyse_feedback(redacted, models, language_hint=language, rules=routing_rules())
    return RoutingTrial(redacted, explain_routing(redacted, analysis.language), analysis)


def latest_model() -> TrainedModel | None:
    return db.session.scalars(select(TrainedModel).order_by(TrainedModel.id.desc())).first()


def request_training() -> None:
    """Queue a retraining (inline without Redis): handlers' new decisions teach the router."""
    jobs.enqueue("train_router")

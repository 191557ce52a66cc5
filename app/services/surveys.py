"""Satisfaction surveys: versioned question frames, responses and daily transaction counts.

A frame is never edited in a way that changes what its questions ask: a change of
questions is a new version, and every response points at the version it answered, so
earlier answers keep their meaning. A response's free-text answer becomes a feedback
item through the one intake path; its scores stay here for the insight pages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.i18n import LANGUAGES
from app.models import (
    COMMON_FRAME,
    Department,
    EService,
    Feedback,
    SurveyFrame,
    SurveyResponse,
    TransactionCount,
    User,
)
from app.services.audit import record
from app.services.intake import Submission, submit_feedback
from app.services.rows import added, insert_or_find

COMMON_FRAME_FILE = Path(__file__).resolve().parent.parent / "data" / "common_survey.json"
QUESTION_TYPES = ("scale", "choice", "text")
SCALE = range(1, 6)
MAX_ANSWER_TEXT = 2000
MAX_CLIENT_REF = 200  # the column's length
# A key becomes part of form field names and JSON paths: keep it plain.
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Answers that have their own column on SurveyResponse, for aggregation.
MEASURES = ("satisfaction", "ease", "task_done", "help_available", "understood")


class SurveyError(ValueError):
    """Bad input, with messages by field as the API reports them; a response's answers
    nest by question key: ``{"answers": {"satisfaction": ["…"]}}``."""

    def __init__(self, messages: dict[str, list[str] | dict[str, list[str]]]) -> None:
        super().__init__(messages)
        self.messages = messages


class UnknownEServiceError(LookupError):
    pass


@dataclass(frozen=True)
class DefinedFrame:
    frame: SurveyFrame
    created: bool


@dataclass(frozen=True)
class RecordedResponse:
    response: SurveyResponse
    created: bool
    feedback: Feedback | None = None  # made of the comment


@dataclass(frozen=True)
class RecordedTransactions:
    counts: TransactionCount
    created: bool


def common_frame_definition() -> dict:
    """The shipped frame: {"code", "titles", "questions"}; also the format of custom frames."""
    return json.loads(COMMON_FRAME_FILE.read_text(encoding="utf-8"))


def label_in(labels: dict[str, str], language: str | None) -> str:
    """A text in ``language``, else English, else whichever the frame's author gave."""
    return labels.get(language or "") or labels.get("en") or next(iter(labels.values()), "")


# --- frames -----------------------------------------------------------------------------


def _labels(value: object, where: str, errors: dict[str, list[str]]) -> dict[str, str]:
    if (
        not isinstance(value, dict)
        or not value
        or not all(isinstance(text, str) and text.strip() for text in value.values())
    ):
        errors.setdefault(where, []).append(_("Must map languages to non-empty texts."))
        return {}
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        errors.setdefault(where, []).append(
            _("Unknown languages: %(languages)s.", languages=", ".join(unknown))
        )
    return {language: text.strip() for language, text in value.items()}


def _normalised_question(raw: object, where: str, errors: dict[str, list[str]]) -> dict:
    """The question in one canonical shape, so "changed?" is a plain comparison."""
    if not isinstance(raw, dict):
        errors.setdefault(where, []).append(_("Must be an object."))
        return {}
    known = {"key", "type", "required", "labels", "options", "anchors"}
    if set(raw) - known:
        errors.setdefault(where, []).append(
            _("Unknown fields: %(fields)s.", fields=", ".join(sorted(set(raw) - known)))
        )
    key, kind = raw.get("key"), raw.get("type")
    if not isinstance(key, str) or not _KEY.match(key):
        errors.setdefault(f"{where}.key", []).append(
            _("Must be lower-case letters, digits and _ (at most 40), starting with a letter.")
        )
    if kind not in QUESTION_TYPES:
        errors.setdefault(f"{where}.type", []).append(
            _("Must be one of %(values)s.", values=", ".join(QUESTION_TYPES))
        )
    if not isinstance(raw.get("required", False), bool):
        errors.setdefault(f"{where}.required", []).append(_("Must be true or false."))
    question = {
        "key": key,
        "type": kind,
        "required": bool(raw.get("required", False)),
        "labels": _labels(raw.get("labels"), f"{where}.labels", errors),
    }
    if kind == "choice":
        options = raw.get("options")
        if not isinstance(options, list) or not options:
            errors.setdefault(f"{where}.options", []).append(_("A choice needs options."))
            options = []
        question["options"] = []
        for n, option in enumerate(options):
            value = option.get("value") if isinstance(option, dict) else None
            if not isinstance(value, str) or not _KEY.match(value):
                errors.setdefault(f"{where}.options.{n}.value", []).append(
                    _("Must be lower-case letters, digits and _, starting with a letter.")
                )
            labels = option.get("labels") if isinstance(option, dict) else None
            question["options"].append(
                {"value": value, "labels": _labels(labels, f"{where}.options.{n}.labels", errors)}
            )
        values = [option["value"] for option in question["options"]]
        if len(values) != len(set(values)):
            errors.setdefault(f"{where}.options", []).append(_("Option values must be unique."))
    elif "options" in raw:
        errors.setdefault(f"{where}.options", []).append(_("Only a choice has options."))
    if kind == "scale":
        anchors = raw.get("anchors", {})
        if not isinstance(anchors, dict) or not set(anchors) <= {str(n) for n in SCALE}:
            errors.setdefault(f"{where}.anchors", []).append(
                _("Must map scale points (1-5) to texts.")
            )
            anchors = {}
        question["anchors"] = {
            point: _labels(labels, f"{where}.anchors.{point}", errors)
            for point, labels in sorted(anchors.items())
        }
    elif "anchors" in raw:
        errors.setdefault(f"{where}.anchors", []).append(_("Only a scale has anchors."))
    return question


def normalised_questions(questions: object) -> list[dict]:
    """Check a frame's questions and return them in canonical form; SurveyError if bad."""
    errors: dict[str, list[str]] = {}
    if not isinstance(questions, list) or not questions:
        raise SurveyError({"questions": [_("Must be a non-empty list of questions.")]})
    result = [
        _normalised_question(raw, f"questions.{n}", errors) for n, raw in enumerate(questions)
    ]
    keys = [question.get("key") for question in result]
    if len(keys) != len(set(keys)):
        errors.setdefault("questions", []).append(_("Question keys must be unique."))
    if errors:
        raise SurveyError(errors)
    return result


def _newest(code: str) -> SurveyFrame | None:
    return db.session.scalars(
        select(SurveyFrame).where(SurveyFrame.code == code).order_by(SurveyFrame.version.desc())
    ).first()


def define_frame(
    code: str,
    questions: list,
    titles: dict,
    department: str | None = None,
    *,
    actor: User | None = None,
) -> DefinedFrame:
    """Store a frame; a new version only when its questions changed. Commits; audited
    when an ``actor`` (an admin on the staff site) made the change.

    Titles and the owning department do not change what an answer means, so they are
    updated on the newest version in place.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(code, str) or not _KEY.match(code.replace("-", "_")):
        errors["code"] = [_("Must be lower-case letters, digits, - and _, starting with a letter.")]
    titles = _labels(titles, "titles", errors)
    owner = None
    if department is not None:
        owner = db.session.scalars(select(Department).where(Department.code == department)).first()
        if owner is None:
            errors["department"] = [_("Unknown department.")]
    try:
        canonical = normalised_questions(questions)
    except SurveyError as error:
        errors.update(error.messages)
    if errors:
        raise SurveyError(errors)

    newest = _newest(code)
    if newest is not None and newest.questions == canonical:
        newest.titles = titles
        newest.department = owner
        if actor is not None:
            record(actor, "survey_frame.changed", newest, version=newest.version)
        db.session.commit()
        return DefinedFrame(newest, created=False)
    frame = SurveyFrame(
        code=code,
        version=newest.version + 1 if newest is not None else 1,
        titles=titles,
        questions=canonical,
        department=owner,
    )
    db.session.add(frame)
    if actor is not None:
        db.session.flush()
        record(actor, "survey_frame.created", frame, version=frame.version)
    db.session.commit()
    return DefinedFrame(frame, created=True)


def ensure_common_frame() -> SurveyFrame:
    """The common frame's newest version, creating version 1 from the shipped file if none."""
    existing = _newest(COMMON_FRAME)
    if existing is not None:
        return existing
    definition = common_frame_definition()
    frame, _created = insert_or_find(
        lambda: added(
            SurveyFrame(
                code=COMMON_FRAME,
                version=1,
                titles=definition["titles"],
                questions=normalised_questions(definition["questions"]),
            )
        ),
        # Another request created it first; theirs is the same shipped definition.
        lambda: _newest(COMMON_FRAME),
    )
    db.session.commit()
    return frame


def active_eservice(code: str) -> EService:
    eservice = db.session.scalars(
        select(EService).where(EService.code == code, EService.active.is_(True))
    ).first()
    if eservice is None:
        raise UnknownEServiceError(code)
    return eservice


def frame_for(eservice: EService | str, version: int | None = None) -> SurveyFrame:
    """The e-service's frame: its newest version, or ``version`` when a client answered an
    older one it had fetched (its answers then keep that version's meaning)."""
    if isinstance(eservice, str):
        eservice = active_eservice(eservice)
    code = eservice.survey_frame or COMMON_FRAME
    if version is not None:
        frame = db.session.scalars(
            select(SurveyFrame).where(SurveyFrame.code == code, SurveyFrame.version == version)
        ).first()
        if frame is None:
            raise SurveyError(
                {"frame_version": [_("The survey has no version %(version)s.", version=version)]}
            )
        return frame
    frame = _newest(code)
    if frame is not None:
        return frame
    if code != COMMON_FRAME:
        # A catalog naming a frame nobody defined yet should not cost the citizen the survey.
        current_app.logger.warning(
            "e-service %s uses survey frame %r, which is not defined; using the common frame",
            eservice.code,
            code,
        )
    return ensure_common_frame()


# --- responses --------------------------------------------------------------------------


def _checked_answer(question: dict, value: object) -> tuple[object, str | None]:
    """(the answer as stored, or an error message)."""
    kind = question["type"]
    if kind == "scale":
        # bool is an int in Python, but true is not a score.
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
            return None, _("Must be a whole number from 1 to 5.")
        return value, None
    if kind == "choice":
        values = [option["value"] for option in question["options"]]
        if not isinstance(value, str) or value not in values:
            return None, _("Must be one of: %(values)s.", values=", ".join(values))
        return value, None
    if not isinstance(value, str):
        return None, _("Must be text.")
    text = value.strip()
    if len(text) > MAX_ANSWER_TEXT:
        return None, _("Must be at most %(count)d characters.", count=MAX_ANSWER_TEXT)
    return text, None


def checked_answers(frame: SurveyFrame, answers: object, completed: bool = True) -> dict:
    """The answers as stored, or SurveyError with messages under "answers" by question key.

    An empty text or null counts as not answered; required questions bind only a
    completed response, since an abandoned one is worth keeping for what it has.
    """
    if not isinstance(answers, dict):
        raise SurveyError({"answers": [_("Must be an object of answers by question key.")]})
    questions = {question["key"]: question for question in frame.questions}
    errors: dict[str, list[str]] = {
        str(key): [_("Unknown question.")] for key in answers if key not in questions
    }
    cleaned: dict = {}
    for key, question in questions.items():
        value = answers.get(key)
        if value is not None:
            value, error = _checked_answer(question, value)
            if error is not None:
                errors[key] = [error]
                continue
        if value is None or value == "":
            if question["required"] and completed:
                errors[key] = [_("An answer is required.")]
            continue
        cleaned[key] = value
    if errors:
        raise SurveyError({"answers": errors})
    if not cleaned:
        raise SurveyError({"answers": [_("Answer at least one question.")]})
    return cleaned


@cache
def _common_questions() -> dict[str, dict]:
    # Read-only here: the shipped definition, to tell whether a frame asks a common measure.
    return {
        question["key"]: question
        for question in normalised_questions(common_frame_definition()["questions"])
    }


def _measures(frame: SurveyFrame, answers: dict) -> dict:
    """The common measures a frame asks as the common frame does, for their columns.

    A department's frame may reuse a key with another meaning (other options, another
    type); such an answer stays in ``answers`` only, so the columns stay comparable.
    """
    common = _common_questions()
    asked = {question["key"]: question for question in frame.questions}
    result = {}
    for key in MEASURES:
        if key not in answers:
            continue
        same_type = asked[key]["type"] == common[key]["type"]
        same_options = asked[key].get("options", []) == [] or {
            option["value"] for option in asked[key]["options"]
        } <= {option["value"] for option in common[key].get("options", [])}
        if same_type and same_options:
            result[key] = answers[key]
    return result


def _comment(frame: SurveyFrame, answers: dict) -> str:
    """The free-text answers, in the frame's order: together they are the citizen's comment."""
    texts = [
        answers[q["key"]] for q in frame.questions if q["type"] == "text" and q["key"] in answers
    ]
    return "\n\n".join(texts)


def _response_by_ref(eservice: EService, client_ref: str) -> SurveyResponse | None:
    return db.session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.eservice_id == eservice.id, SurveyResponse.client_ref == client_ref
        )
    ).first()


def _recorded_before(response: SurveyResponse) -> RecordedResponse:
    feedback = db.session.get(Feedback, response.feedback_id) if response.feedback_id else None
    return RecordedResponse(response, created=False, feedback=feedback)


def record_response(
    eservice_code: str,
    answers: object,
    language: str | None,
    client_ref: str | None = None,
    completed: bool = True,
    frame_version: int | None = None,
) -> RecordedResponse:
    """Store one survey response and, when it has a comment, its feedback item. Commits.

    A repeated ``client_ref`` (per e-service) returns the stored response unchanged, so
    an e-service may retry; a comment goes in through ``submit_feedback`` with
    source_ref ``survey:<response id>``, which is unique because the response is.
    """
    eservice = active_eservice(eservice_code)
    if client_ref is not None:
        if not client_ref.strip() or len(client_ref) > MAX_CLIENT_REF:
            raise SurveyError(
                {"client_ref": [_("Must be 1 to %(count)d characters.", count=MAX_CLIENT_REF)]}
            )
        existing = _response_by_ref(eservice, client_ref)
        if existing is not None:
            return _recorded_before(existing)
    if language is not None and language not in LANGUAGES:
        raise SurveyError(
            {"language": [_("Must be one of %(values)s.", values=", ".join(LANGUAGES))]}
        )
    frame = frame_for(eservice, frame_version)
    cleaned = checked_answers(frame, answers, completed)

    response, created = insert_or_find(
        lambda: added(
            SurveyResponse(
                eservice=eservice,
                frame=frame,
                client_ref=client_ref,
                language=language,
                answers=cleaned,
                completed=completed,
                **_measures(frame, cleaned),
            )
        ),
        # A concurrent post with the same client_ref was stored first.
        lambda: _response_by_ref(eservice, client_ref) if client_ref else None,
    )
    if not created:
        return _recorded_before(response)

    comment = _comment(frame, cleaned)
    if not comment:
        db.session.commit()
        return RecordedResponse(response, created=True)
    # submit_feedback commits the response and the item together; the link follows in
    # a second commit, and can be rebuilt from the item's source_ref should that fail.
    result = submit_feedback(
        Submission(
            text=comment,
            channel="survey",
            eservice=eservice.code,
            language=language,
            source_ref=f"survey:{response.id}",
        )
    )
    response.feedback_id = result.feedback.id
    db.session.commit()
    return RecordedResponse(response, created=True, feedback=result.feedback)


# --- transactions -----------------------------------------------------------------------


def record_transactions(
    eservice_code: str, day: date, completed: int, started: int | None = None
) -> RecordedTransactions:
    """Set an e-service's transaction counts for a day (a repeat replaces them). Commits.

    Any catalogued e-service, active or not: counts for its last days may arrive late.
    """
    eservice = db.session.scalars(select(EService).where(EService.code == eservice_code)).first()
    if eservice is None:
        raise UnknownEServiceError(eservice_code)
    errors: dict[str, list[str]] = {}
    if completed < 0:
        errors["completed"] = [_("Must be 0 or more.")]
    if started is not None and started < completed:
        errors["started"] = [_("Must be at least the number completed.")]
    if errors:
        raise SurveyError(errors)

    def _row() -> TransactionCount | None:
        return db.session.scalars(
            select(TransactionCount).where(
                TransactionCount.eservice_id == eservice.id, TransactionCount.day == day
            )
        ).first()

    row, created = _row(), False
    if row is None:
        # Two posts for a new day at once: the other inserted; ours is the later word.
        row, created = insert_or_find(
            lambda: added(
                TransactionCount(
                    eservice_id=eservice.id, day=day, completed=completed, started=started
                )
            ),
            _row,
        )
    row.completed, row.started = completed, started
    db.session.commit()
    return RecordedTransactions(row, created)

"""Page forms (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.i18n import LANGUAGES, current_language
from app.input_guard import EARLIEST_DATE, LATEST_DATE, date_in_range
from app.models import Contact, TicketOutcome
from app.schemas.feedback import MAX_TEXT
from app.services.catalog import eservice_names
from app.services.deadlines import MAX_FIRST_HANDLING_HOURS, MAX_RESOLUTION_DAYS, Targets
from app.services.followup import MAX_COMMENT
from app.services.glossary import MAX_WORD_LENGTH, MAX_WORDS, GlossaryDraft
from app.services.intake import ContactDetails, Submission
from app.services.notices import FOLLOWUP_CHOICES
from app.services.outcomes import MAX_BODY_NAME, MAX_CHANGE_TEXT, MAX_EXPLANATION
from app.services.replies import MAX_REPLY_TEXT
from app.services.routing_rules import MAX_PHRASE_LENGTH, MAX_PHRASES, RuleDraft, parse_phrases
from app.services.translations import language_name


class FilterDateField(DateField):
    """An optional date of a filter, between EARLIEST_DATE and LATEST_DATE: 0001-01-01 or
    9999-12-31 would overflow as soon as the filter adds a day or a time zone."""

    def __init__(self, label: object = None, **kwargs: object) -> None:
        super().__init__(label, validators=[Optional()], **kwargs)

    def post_validate(self, form: object, validation_stopped: bool) -> None:
        if not validation_stopped and not date_in_range(self.data):
            message = _l(
                "Enter a date from %(first)s to %(last)s.",
                first=EARLIEST_DATE.isoformat(),
                last=LATEST_DATE.isoformat(),
            )
            self.errors.append(str(message))


LANGUAGE_CHOICES = [
    SelectChoice("", "—"),
    SelectChoice("fi", "suomi", render_kw={"lang": "fi"}),
    SelectChoice("sv", "svenska", render_kw={"lang": "sv"}),
    SelectChoice("en", "English", render_kw={"lang": "en"}),
    SelectChoice("da", "dansk", render_kw={"lang": "da"}),
    SelectChoice("nb", "norsk", render_kw={"lang": "nb"}),
]
PHONE_PATTERN = r"^\+?[\d\s().-]{5,25}$"


def eservice_choices(language: str) -> list[SelectChoice]:
    unknown = SelectChoice("", _l("Not known"))
    return [unknown] + [SelectChoice(code, name) for code, name in eservice_names(language)]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class AgentFeedbackForm(FlaskForm):
    """What an agent records during a call, in under a minute."""

    text = TextAreaField(
        _l("What did the caller say?"), validators=[DataRequired(), Length(max=MAX_TEXT)]
    )
    eservice = SelectField(_l("E-service"), choices=[], default="")
    language = SelectField(_l("Caller's language"), choices=LANGUAGE_CHOICES)
    call_ref = StringField(_l("Call id (optional)"), validators=[Optional(), Length(max=200)])
    name = StringField(_l("Caller's name"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("Caller's e-mail"), validators=[Optional(), Email(), Length(max=320)])
    phone = StringField(
        _l("Caller's phone"),
        validators=[Optional(), Regexp(PHONE_PATTERN, message=_l("Not a valid phone number."))],
    )
    consent = BooleanField(
        _l("The caller agrees to be told by e-mail what happens to this feedback")
    )

    def validate_consent(self, field: BooleanField) -> None:
        if field.data and not self.email.data:
            raise ValidationError(_l("Consent to follow-up needs an e-mail address."))

    def submission(self) -> Submission:
        return Submission(
            text=self.text.data.strip(),
            channel="agent_form",
            eservice=self.eservice.data or None,
            language=self.language.data or None,
            source_ref=self.call_ref.data.strip() or None if self.call_ref.data else None,
            contact=ContactDetails(
                email=self.email.data or None,
                phone=self.phone.data or None,
                name=self.name.data or None,
                language=self.language.data or None,
                consent=bool(self.consent.data),
            ),
        )

    def prefill(self, contact: Contact) -> None:
        """Fill the caller's details the city already has, so the agent need not ask again."""
        self.name.data = self.name.data or contact.name
        self.email.data = self.email.data or contact.email
        self.phone.data = self.phone.data or contact.phone
        self.language.data = self.language.data or contact.language
        self.consent.data = self.consent.data or contact.consent


class ActionForm(FlaskForm):
    """A form that is only a button (resolve, reopen): it still carries a CSRF token."""


def form_source_ref(form_ref: str, text: str) -> str:
    """A public form item's (channel, source_ref) key: the form token and a digest of the
    words, whitespace folded (a Back that restores the text may change line ends)."""
    digest = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:32]
    return f"form:{form_ref}:{digest}"


class CitizenFeedbackForm(FlaskForm):
    """The public form: no account, contact optional, consent explicit."""

    text = TextAreaField(_l("Your feedback"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    eservice = SelectField(_l("Which e-service is it about? (optional)"), choices=[], default="")
    email = EmailField(
        _l("Your e-mail (optional)"), validators=[Optional(), Email(), Length(max=320)]
    )
    consent = BooleanField(_l("Tell me by e-mail what happens to my feedback"))
    # The browser session's form token, rendered into the form: with the words sent it makes
    # the item's source_ref, so a second press of "Send", also after Back, stores nothing new,
    # while different words sent later from the same browser are a new item.
    form_ref = HiddenField(validators=[DataRequired(), Length(max=64)])

    def validate_consent(self, field: BooleanField) -> None:
        if field.data and not self.email.data:
            raise ValidationError(_l("Consent to follow-up needs an e-mail address."))

    def submission(self, language: str) -> Submission:
        contact = None
        if self.email.data:
            contact = ContactDetails(
                email=self.email.data, language=language, consent=bool(self.consent.data)
            )
        return Submission(
            text=self.text.data.strip(),
            channel="web_form",
            eservice=self.eservice.data or None,
            language=language,
            source_ref=form_source_ref(self.form_ref.data, self.text.data.strip()),
            contact=contact,
        )


class RoutingRuleForm(FlaskForm):
    """An admin's keyword rule: one phrase per line."""

    eservice = SelectField(_l("E-service"), choices=[], validators=[DataRequired()])
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("Any language"))] + LANGUAGE_CHOICES[1:],
        default="",
    )
    phrases = TextAreaField(
        _l("Phrases, one per line"),
        validators=[DataRequired(), Length(max=MAX_PHRASES * (MAX_PHRASE_LENGTH + 1))],
    )
    priority = IntegerField(
        _l("Priority (higher wins)"), default=100, validators=[NumberRange(min=1, max=1000)]
    )
    active = BooleanField(_l("Active"), default=True)

    def validate_phrases(self, field: TextAreaField) -> None:
        phrases = parse_phrases(field.data or "")
        if not phrases:
            raise ValidationError(_l("Write at least one phrase."))
        if len(phrases) > MAX_PHRASES:
            raise ValidationError(_l("At most %(count)d phrases.", count=MAX_PHRASES))
        if any(len(phrase) > MAX_PHRASE_LENGTH for phrase in phrases):
            raise ValidationError(
                _l("A phrase has at most %(count)d characters.", count=MAX_PHRASE_LENGTH)
            )

    def draft(self) -> RuleDraft:
        return RuleDraft(
            eservice=self.eservice.data,
            language=self.language.data or None,
            phrases=parse_phrases(self.phrases.data),
            priority=self.priority.data,
            active=bool(self.active.data),
        )


# The glossary's parts as the staff site names them (app/services/analysis/problems.TERMS).
PART_LABELS = {
    "login": _l("Log-in"),
    "session": _l("Session (being logged out)"),
    "password": _l("Password or PIN"),
    "attachment": _l("Attachment upload"),
    "file": _l("File, photo or PDF"),
    "payment": _l("Payment"),
    "map": _l("Map or location"),
    "date": _l("Date or calendar"),
    "address": _l("Address"),
    "search": _l("Search"),
    "language": _l("Language"),
    "email": _l("E-mail"),
    "confirmation": _l("Confirmation or receipt"),
    "status": _l("Status"),
    "button": _l("Button or link"),
    "field": _l("Form field"),
    "signing": _l("Signing"),
    "device": _l("Phone or tablet"),
    "browser": _l("Browser"),
    "accessibility": _l("Accessibility"),
    "saving": _l("Saving or draft"),
    "booking": _l("Booking"),
    "account": _l("Bank account"),
}


class GlossaryEntryForm(FlaskForm):
    """An admin's words for one part of a service, in one language: one per line."""

    part = SelectField(
        _l("Part of the service"),
        choices=[SelectChoice(code, label) for code, label in PART_LABELS.items()],
        validators=[DataRequired()],
    )
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES[1:], default="fi")
    words = TextAreaField(
        _l("Words or phrases, one per line"),
        validators=[DataRequired(), Length(max=MAX_WORDS * (MAX_WORD_LENGTH + 1))],
    )
    active = BooleanField(_l("Active"), default=True)

    def validate_words(self, field: TextAreaField) -> None:
        words = parse_phrases(field.data or "")
        if not words:
            raise ValidationError(_l("Write at least one word."))
        if len(words) > MAX_WORDS:
            raise ValidationError(_l("At most %(count)d words.", count=MAX_WORDS))
        if any(len(word) > MAX_WORD_LENGTH for word in words):
            raise ValidationError(
                _l("A word has at most %(count)d characters.", count=MAX_WORD_LENGTH)
            )
        if not all(any(ch.isalnum() for ch in word) for word in words):
            raise ValidationError(_l("Every word needs a letter or a digit."))

    def draft(self) -> GlossaryDraft:
        return GlossaryDraft(
            part=self.part.data,
            language=self.language.data,
            words=parse_phrases(self.words.data),
            active=bool(self.active.data),
        )


class RoutingTrialForm(FlaskForm):
    """The test box of the routing rules and the glossary: a GET form, nothing is stored, so
    no CSRF token."""

    class Meta:
        csrf = False

    text = TextAreaField(_l("Text to test"), validators=[DataRequired(), Length(max=MAX_TEXT)])
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("", _l("Detect"))] + LANGUAGE_CHOICES[1:],
        default="",
    )

    def was_sent(self, query: Mapping[str, str]) -> bool:
        """Whether ``query`` carries this form: the page's own links add ``?lang=`` too, and
        switching the language is no empty test to complain about."""
        return any(field.name in query for field in self)


class WhatWeChangedForm(FlaskForm):
    text = TextAreaField(
        _l("What we changed (shown to citizens)"),
        validators=[Optional(), Length(max=MAX_CHANGE_TEXT)],
    )


class FollowupForm(FlaskForm):
    """The answer to "Did this fix it for you?". The signed link is the credential, so no
    CSRF token: a citizen may answer from a mail client's browser without our session."""

    class Meta:
        csrf = False

    answer = RadioField(
        _l("Did this fix it for you?"),
        choices=[SelectChoice(value, label) for value, label in FOLLOWUP_CHOICES],
        validators=[InputRequired(message=_l("Choose an answer."))],
    )
    comment = TextAreaField(
        _l("Anything to add? (optional)"), validators=[Optional(), Length(max=MAX_COMMENT)]
    )


class OutcomeForm(FlaskForm):
    """A handler closes a problem that was not fixed, saying why in words for citizens."""

    outcome = SelectField(
        _l("How did the problem end?"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice(TicketOutcome.WONT_FIX, _l("Won't fix")),
            SelectChoice(TicketOutcome.NOT_OURS, _l("Not our responsibility")),
            SelectChoice(TicketOutcome.DUPLICATE, _l("Duplicate of another problem")),
            SelectChoice(TicketOutcome.NO_ACTION, _l("No action needed")),
        ],
        validators=[DataRequired(message=_l("Choose how the problem ended."))],
    )
    explanation = TextAreaField(
        _l("Explanation for citizens"),
        validators=[DataRequired(), Length(max=MAX_EXPLANATION)],
    )
    responsible_body = StringField(
        _l("Responsible body (for “not our responsibility”)"),
        validators=[Optional(), Length(max=MAX_BODY_NAME)],
    )
    duplicate_of = IntegerField(
        _l("Number of the other problem (for “duplicate”)"),
        validators=[Optional(), NumberRange(min=1)],
    )


class CallLogUploadForm(FlaskForm):
    export = FileField(
        _l("Contact-centre export (CSV or JSON Lines)"),
        validators=[
            FileRequired(),
            FileAllowed(["csv", "tsv", "txt", "jsonl", "ndjson"], _l("Not a call-log export.")),
        ],
    )
    mapping = SelectField(_l("Column mapping"), choices=[])


class RerouteForm(FlaskForm):
    """One action: pick the e-service (or only the department) and route."""

    eservice = SelectField(_l("E-service"), choices=[], default="")
    department = SelectField(_l("Department"), choices=[], default="")

    def validate_department(self, field: SelectField) -> None:
        if not field.data and not self.eservice.data:
            raise ValidationError(_l("Choose an e-service or a department."))


class _TargetFields(FlaskForm):
    """Deadline targets; left empty, a target is inherited (department, then default)."""

    first_handling_hours = IntegerField(
        _l("Hours to first handling of an item"),
        validators=[Optional(), NumberRange(min=1, max=MAX_FIRST_HANDLING_HOURS)],
    )
    resolution_days = IntegerField(
        _l("Days to resolve a problem"),
        validators=[Optional(), NumberRange(min=1, max=MAX_RESOLUTION_DAYS)],
    )

    def targets(self) -> Targets:
        return Targets(self.first_handling_hours.data, self.resolution_days.data)


class DepartmentDeadlinesForm(_TargetFields):
    """A department's own targets and the head that overdue work is escalated to."""

    head_name = StringField(_l("Head's name"), validators=[Optional(), Length(max=200)])
    head_email = EmailField(_l("Head's e-mail"), validators=[Optional(), Email(), Length(max=320)])

    def validate(self, extra_validators: dict | None = None) -> bool:
        # A head is a name and an e-mail together; an empty field's own validators stop at
        # Optional(), so the pair is checked here.
        valid = super().validate(extra_validators)
        name, email = (self.head_name.data or "").strip(), self.head_email.data
        if email and not name:
            self.head_name.errors.append(_l("Name the head whose e-mail this is."))
            valid = False
        if name and not email:
            self.head_email.errors.append(_l("Give the head's e-mail: escalations are sent there."))
            valid = False
        return valid


class EServiceDeadlinesForm(_TargetFields):
    """One e-service's override of its department's targets (both empty: no override)."""

    eservice = SelectField(_l("E-service"), choices=[], validators=[DataRequired()])


# The page a merge or a telling apart returns to when asked from the list of likely
# duplicates rather than from the problem page.
BACK_TO_DUPLICATES = "duplicates"


class MergeForm(FlaskForm):
    """Merge this problem group into another: one from the list, or one named by its
    tracker key or number."""

    target = SelectField(_l("Merge into"), choices=[], default="")
    reference = StringField(
        _l("Or the other group's ticket key or number"),
        validators=[Optional(), Length(max=64)],
        filters=[lambda value: value.strip() if value else value],
    )
    back = HiddenField(validators=[Optional(), AnyOf((BACK_TO_DUPLICATES,))])

    def validate_target(self, field: SelectField) -> None:
        if bool(field.data) == bool(self.reference.data):
            raise ValidationError(_l("Choose a group from the list or name one (not both)."))

    def chosen(self) -> dict[str, object]:
        """The target as ``visible_ticket`` takes it: by number or by tracker key."""
        reference = self.reference.data or self.target.data
        if reference.isdigit():
            return {"ticket_id": int(reference)}
        return {"key": reference}


class LinkTicketForm(FlaskForm):
    key = StringField(
        _l("Ticket key"),
        validators=[DataRequired(), Length(max=64)],
        filters=[lambda value: value.strip() if value else value],
    )


# What a feedback item is, in words (the analysis's kinds).
KIND_LABELS = {
    "complaint": _l("Complaint"),
    "outage": _l("Outage"),
    "suggestion": _l("Suggestion"),
    "question": _l("Question"),
    "praise": _l("Praise"),
}
# The writer's attitude overall.
SENTIMENT_LABELS = {
    "negative": _l("Negative"),
    "neutral": _l("Neutral"),
    "positive": _l("Positive"),
}


class UnderstandingForm(FlaskForm):
    """A handler's correction of an item's kind and sentiment."""

    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(code, label) for code, label in KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    sentiment = SelectField(
        _l("Sentiment"),
        choices=[SelectChoice(code, label) for code, label in SENTIMENT_LABELS.items()],
        validators=[DataRequired()],
    )


class ReplyForm(FlaskForm):
    """A handler's reply, in the citizen's language (chosen to begin with) or in another,
    the handler's own, which the citizen's e-mail then marks as such."""

    language = SelectField(
        _l("Language of the reply"), choices=LANGUAGE_CHOICES[1:], validators=[DataRequired()]
    )
    text = TextAreaField(
        _l("Reply to the citizen"), validators=[DataRequired(), Length(max=MAX_REPLY_TEXT)]
    )

    def __init__(self, citizen_language: str, **kwargs: object) -> None:
        super().__init__(language=citizen_language, **kwargs)  # a posted choice wins
        self.citizen_language = citizen_language
        # Spell checkers and screen readers take the box for the language chosen.
        chosen = self.language.data if self.language.data in LANGUAGES else citizen_language
        self.text.render_kw = {"lang": chosen}

    def citizen_language_name(self) -> str:
        """The citizen's language, named in the handler's ("ruotsi", "Swedish")."""
        return language_name(self.citizen_language, current_language())

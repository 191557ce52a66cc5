"""SQLAlchemy models, one module per aggregate; imported here so Alembic sees them all."""

from app.models.audit import AuditEvent, WebhookDelivery
from app.models.benchmark import BenchmarkFigure, BenchmarkImport, BenchmarkPeer
from app.models.call_import import CallImport, ImportState
from app.models.catalog import Department, EService, Supplier
from app.models.contact import ConsentChange, Contact
from app.models.deadline import DeadlineReminder, DeadlineTarget, ReminderStage
from app.models.feedback import CHANNELS, Feedback, FeedbackEvent, FeedbackStatus, RoutingMethod
from app.models.followup import FollowupAnswer, FollowupAnswerValue, ProblemReopening
from app.models.glossary import GlossaryEntry
from app.models.inbound import InboundKind, InboundMessage
from app.models.insight import FeedbackDay, SpikeAlert, StaleFeedbackDay
from app.models.learning import ItemLabel, PairState, ProblemPair
from app.models.local_issue import LocalIssue
from app.models.notice import Notice, NoticeKind, NoticeState
from app.models.open311 import AttributeType, CitizenUpdate, EServiceAttribute, UploadedMedia
from app.models.reference import ReferenceData
from app.models.routing import RoutingRule, TrainedModel
from app.models.schedule import PeriodicRun
from app.models.survey import COMMON_FRAME, SurveyFrame, SurveyResponse, TransactionCount
from app.models.ticket import ItemEmbedding, Ticket, TicketOutcome, TicketState
from app.models.user import ROLES, ApiToken, User

__all__ = [
    "CHANNELS",
    "CallImport",
    "COMMON_FRAME",
    "ROLES",
    "ApiToken",
    "AttributeType",
    "AuditEvent",
    "CitizenUpdate",
    "BenchmarkFigure",
    "BenchmarkImport",
    "BenchmarkPeer",
    "ConsentChange",
    "Contact",
    "DeadlineReminder",
    "DeadlineTarget",
    "Department",
    "EService",
    "EServiceAttribute",
    "Feedback",
    "FeedbackDay",
    "FeedbackEvent",
    "FeedbackStatus",
    "FollowupAnswer",
    "FollowupAnswerValue",
    "GlossaryEntry",
    "ImportState",
    "InboundKind",
    "InboundMessage",
    "ItemEmbedding",
    "ItemLabel",
    "LocalIssue",
    "Notice",
    "PeriodicRun",
    "ReferenceData",
    "NoticeKind",
    "NoticeState",
    "PairState",
    "ProblemPair",
    "ProblemReopening",
    "RoutingMethod",
    "ReminderStage",
    "RoutingRule",
    "SpikeAlert",
    "StaleFeedbackDay",
    "Supplier",
    "SurveyFrame",
    "SurveyResponse",
    "Ticket",
    "TicketOutcome",
    "TicketState",
    "TrainedModel",
    "TransactionCount",
    "UploadedMedia",
    "User",
    "WebhookDelivery",
]

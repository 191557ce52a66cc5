"""feedback days: the daily roll-up of items the insight pages read, and its stale marks;
partial indexes for the figures of linked and resolved items

Revision ID: 0016
Revises: 0015
"""
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_FILTERED = ["eservice_id", "department_id", "channel"]
_PARTIAL_INDEXES = (
    ("ix_feedback_linked_received", "received_at", ["ticket_id", "id"], "ticket_id IS NOT NULL"),
    ("ix_feedback_resolved_received", "received_at", ["resolved_at"], "resolved_at IS NOT NULL"),
    ("ix_feedback_linked_resolved", "resolved_at", ["ticket_id"], "ticket_id IS NOT NULL"),
)


def upgrade():
    op.create_table(
        "feedback_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("eservice_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("analysed", sa.Integer(), nullable=False),
        sa.Column("digital", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("neutral", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_day")),
    )
    op.create_index(op.f("ix_feedback_day_day"), "feedback_day", ["day"])
    stale = op.create_table(
        "stale_feedback_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "shard", name=op.f("pk_stale_feedback_day")),
    )
    for name, column, carried, condition in _PARTIAL_INDEXES:
        where = sa.text(condition)
        op.create_index(
            name,
            "feedback",
            [column],
            postgresql_include=[*carried, *_FILTERED],
            postgresql_where=where,
            sqlite_where=where,
        )
    # Items stored before the roll-up: every day they may fall on, in any time zone, is
    # counted on first use.
    first, last = op.get_bind().execute(
        sa.text("SELECT min(received_at), max(received_at) FROM feedback")
    ).one()
    if first is not None:
        first, last = (date.fromisoformat(str(moment)[:10]) for moment in (first, last))
        days = (first + timedelta(days=n) for n in range(-1, (last - first).days + 2))
        now = datetime.now(UTC)
        op.bulk_insert(stale, [{"day": day, "shard": 0, "marked_at": now} for day in days])


def downgrade():
    for name, *_index in _PARTIAL_INDEXES:
        op.drop_index(name, table_name="feedback")
    op.drop_table("stale_feedback_day")
    op.drop_index(op.f("ix_feedback_day_day"), table_name="feedback_day")
    op.drop_table("feedback_day")

"""lean feedback indexes: drop the two that composite indexes already cover, and index
ticket and resolution times only where they are set

Every stored item updates every index on feedback; a call-log import stores a million.
ix_feedback_department_id and ix_feedback_eservice_id are the leading columns of
ix_feedback_department_received and ix_feedback_eservice_received, which serve the same
look-ups (and the foreign keys' checks). Most items have no ticket and no resolution yet:
partial indexes leave them out, and still serve every `= x` and range condition.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_COVERED = (
    ("ix_feedback_department_id", "department_id"),
    ("ix_feedback_eservice_id", "eservice_id"),
)
_WHERE_SET = (("ix_feedback_ticket_id", "ticket_id"), ("ix_feedback_resolved_at", "resolved_at"))


def upgrade():
    for name, _column in _COVERED:
        op.drop_index(name, table_name="feedback")
    for name, column in _WHERE_SET:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="feedback")
        op.create_index(name, "feedback", [column], postgresql_where=where, sqlite_where=where)


def downgrade():
    for name, column in _WHERE_SET:
        op.drop_index(name, table_name="feedback")
        op.create_index(name, "feedback", [column])
    for name, column in _COVERED:
        op.create_index(name, "feedback", [column])

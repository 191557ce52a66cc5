"""lean feedback indexes: drop the two that composite indexes already cover

Every stored item updates every index on feedback, and a call-log import stores a
million. ix_feedback_department_id and ix_feedback_eservice_id are the leading columns of
ix_feedback_department_received and ix_feedback_eservice_received, which serve the same
look-ups (and the foreign keys' checks).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_COVERED = (
    ("ix_feedback_department_id", "department_id"),
    ("ix_feedback_eservice_id", "eservice_id"),
)


def upgrade():
    for name, _column in _COVERED:
        op.drop_index(name, table_name="feedback")


def downgrade():
    for name, column in _COVERED:
        op.create_index(name, "feedback", [column])

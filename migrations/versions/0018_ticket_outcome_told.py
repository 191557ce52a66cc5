"""ticket: when the tracker issue was told of a problem's honest outcome

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("outcome_told_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("outcome_told_at")

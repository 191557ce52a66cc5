"""what we changed: the team's words for citizens on a resolved problem

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("what_we_changed", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("what_we_changed")

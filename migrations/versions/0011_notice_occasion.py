"""notice occasion and body: a notice of one kind may be owed again on a new occasion

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notice") as batch_op:
        batch_op.add_column(
            sa.Column("occasion", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch_op.drop_constraint("uq_notice_feedback_kind", type_="unique")
        batch_op.create_unique_constraint(
            "uq_notice_feedback_kind", ["feedback_id", "kind", "occasion"]
        )


def downgrade():
    with op.batch_alter_table("notice") as batch_op:
        batch_op.drop_constraint("uq_notice_feedback_kind", type_="unique")
        batch_op.create_unique_constraint("uq_notice_feedback_kind", ["feedback_id", "kind"])
        batch_op.drop_column("body")
        batch_op.drop_column("occasion")

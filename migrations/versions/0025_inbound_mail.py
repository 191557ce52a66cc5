"""inbound mail: citizens' replies, automatic replies and bounces; undeliverable addresses

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contact") as batch_op:
        batch_op.add_column(
            sa.Column("undeliverable_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("undeliverable_reason", sa.String(length=500), nullable=True))
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("redacted_text", sa.Text(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_inbound_message_feedback_id_feedback")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notice.id"], name=op.f("fk_inbound_message_notice_id_notice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inbound_message_message_id")),
    )
    op.create_index(op.f("ix_inbound_message_feedback_id"), "inbound_message", ["feedback_id"])


def downgrade():
    op.drop_index(op.f("ix_inbound_message_feedback_id"), table_name="inbound_message")
    op.drop_table("inbound_message")
    with op.batch_alter_table("contact") as batch_op:
        batch_op.drop_column("undeliverable_reason")
        batch_op.drop_column("undeliverable_at")

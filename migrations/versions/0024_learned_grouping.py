"""learned grouping: judged and suggested item-group pairs, handlers' kind and sentiment
corrections, and the pair scorer stored with the trained models

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "problem_pair",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "feedback_id",
            sa.Integer(),
            sa.ForeignKey("feedback.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "ticket_id",
            sa.Integer(),
            sa.ForeignKey("ticket.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "decided_by_id",
            sa.Integer(),
            sa.ForeignKey("user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_problem_pair_feedback_id", "problem_pair", ["feedback_id"])
    op.create_index("ix_problem_pair_ticket_state", "problem_pair", ["ticket_id", "state"])
    op.create_table(
        "item_label",
        sa.Column(
            "feedback_id",
            sa.Integer(),
            sa.ForeignKey("feedback.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sentiment", sa.String(16), nullable=False),
        sa.Column(
            "labelled_by_id",
            sa.Integer(),
            sa.ForeignKey("user.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("labelled_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("trained_model") as batch_op:
        batch_op.add_column(sa.Column("pair_scorer", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("trained_model") as batch_op:
        batch_op.drop_column("pair_scorer")
    op.drop_table("item_label")
    op.drop_index("ix_problem_pair_ticket_state", table_name="problem_pair")
    op.drop_index("ix_problem_pair_feedback_id", table_name="problem_pair")
    op.drop_table("problem_pair")

"""follow-up: citizens' "did this fix it?" answers, reopenings, key cases, honest outcomes

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("outcome_explanation", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("responsible_body", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_foreign_key(
            op.f("fk_ticket_duplicate_of_id_ticket"), "ticket", ["duplicate_of_id"], ["id"]
        )
    # Problems already done in the tracker were fixed: the only outcome there was.
    op.execute("UPDATE ticket SET outcome = 'fixed' WHERE status_category = 'done'")
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.add_column(
            sa.Column("key_case", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "followup_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_followup_answer_feedback_id_feedback")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_answer")),
        sa.UniqueConstraint("feedback_id", "round", name="uq_followup_answer_feedback_round"),
    )
    op.create_index(op.f("ix_followup_answer_feedback_id"), "followup_answer", ["feedback_id"])
    op.create_table(
        "problem_reopening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("no_answers", sa.Integer(), nullable=False),
        sa.Column("key_case", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tracker_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("department_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_problem_reopening_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem_reopening")),
        sa.UniqueConstraint("ticket_id", "round", name="uq_problem_reopening_round"),
    )
    op.create_index(op.f("ix_problem_reopening_ticket_id"), "problem_reopening", ["ticket_id"])


def downgrade():
    op.drop_index("ix_problem_reopening_ticket_id", table_name="problem_reopening")
    op.drop_table("problem_reopening")
    op.drop_index("ix_followup_answer_feedback_id", table_name="followup_answer")
    op.drop_table("followup_answer")
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.drop_column("key_case")
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_constraint("fk_ticket_duplicate_of_id_ticket", type_="foreignkey")
        batch_op.drop_column("round")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("responsible_body")
        batch_op.drop_column("outcome_explanation")
        batch_op.drop_column("outcome")

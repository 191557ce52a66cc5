"""survey frames and responses, transaction counts per e-service and day

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_frame",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_survey_frame_department_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_frame")),
        sa.UniqueConstraint("code", "version", name="uq_survey_frame_code_version"),
    )
    op.create_table(
        "transaction_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("eservice_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started", sa.Integer(), nullable=True),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["eservice_id"], ["eservice.id"],
                                name=op.f("fk_transaction_count_eservice_id_eservice")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_count")),
        sa.UniqueConstraint("eservice_id", "day", name="uq_transaction_count_day"),
    )
    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("eservice_id", sa.Integer(), nullable=False),
        sa.Column("frame_id", sa.Integer(), nullable=False),
        sa.Column("client_ref", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("ease", sa.Integer(), nullable=True),
        sa.Column("task_done", sa.String(length=8), nullable=True),
        sa.Column("help_available", sa.String(length=16), nullable=True),
        sa.Column("understood", sa.Integer(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["eservice_id"], ["eservice.id"],
                                name=op.f("fk_survey_response_eservice_id_eservice")),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"],
                                name=op.f("fk_survey_response_feedback_id_feedback")),
        sa.ForeignKeyConstraint(["frame_id"], ["survey_frame.id"],
                                name=op.f("fk_survey_response_frame_id_survey_frame")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("eservice_id", "client_ref", name="uq_survey_response_ref"),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_response_eservice_id"), ["eservice_id"])
        batch_op.create_index(batch_op.f("ix_survey_response_received_at"), ["received_at"])
    with op.batch_alter_table("eservice", schema=None) as batch_op:
        # Existing e-services link to the common frame.
        batch_op.add_column(
            sa.Column("survey_frame", sa.String(length=64), nullable=False, server_default="common")
        )


def downgrade():
    with op.batch_alter_table("eservice", schema=None) as batch_op:
        batch_op.drop_column("survey_frame")
    op.drop_table("survey_response")
    op.drop_table("transaction_count")
    op.drop_table("survey_frame")

"""insight: spike alerts; indexes for the insight aggregates (time ranges per e-service or
department, resolutions per period)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "spike_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("eservice_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by_id"], ["user.id"],
            name=op.f("fk_spike_alert_acknowledged_by_id_user"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"],
            name=op.f("fk_spike_alert_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["eservice_id"], ["eservice.id"], name=op.f("fk_spike_alert_eservice_id_eservice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spike_alert")),
        sa.UniqueConstraint("eservice_id", "window_start", name="uq_spike_alert_window"),
    )
    with op.batch_alter_table("spike_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_spike_alert_eservice_id"), ["eservice_id"])
        batch_op.create_index(batch_op.f("ix_spike_alert_department_id"), ["department_id"])
        batch_op.create_index(batch_op.f("ix_spike_alert_acknowledged_at"), ["acknowledged_at"])
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_eservice_received", ["eservice_id", "received_at"])
        batch_op.create_index("ix_feedback_department_received", ["department_id", "received_at"])
        batch_op.create_index("ix_feedback_resolved_at", ["resolved_at"])
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_response_eservice_received", ["eservice_id", "received_at"]
        )


def downgrade():
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_response_eservice_received")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_resolved_at")
        batch_op.drop_index("ix_feedback_department_received")
        batch_op.drop_index("ix_feedback_eservice_received")
    op.drop_table("spike_alert")

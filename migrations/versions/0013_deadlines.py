"""deadlines: targets per department and e-service, a department's head, reminders sent

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("department") as batch_op:
        batch_op.add_column(sa.Column("head_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("head_email", sa.String(length=320), nullable=True))
    op.create_table(
        "deadline_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("eservice_id", sa.Integer(), nullable=True),
        sa.Column("first_handling_hours", sa.Integer(), nullable=True),
        sa.Column("resolution_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_deadline_target_department_id_department"),
        ),
        sa.ForeignKeyConstraint(
            ["eservice_id"], ["eservice.id"], name=op.f("fk_deadline_target_eservice_id_eservice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_target")),
        sa.UniqueConstraint("department_id", "eservice_id", name="uq_deadline_target_eservice"),
    )
    op.create_index(
        "uq_deadline_target_department",
        "deadline_target",
        ["department_id"],
        unique=True,
        sqlite_where=sa.text("eservice_id IS NULL"),
        postgresql_where=sa.text("eservice_id IS NULL"),
    )
    op.create_table(
        "deadline_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("sent_to", sa.String(length=320), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_deadline_reminder_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_reminder")),
        sa.UniqueConstraint("subject_type", "subject_id", "stage", name="uq_deadline_reminder"),
    )
    with op.batch_alter_table("deadline_reminder", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_reminder_department_id"), ["department_id"])


def downgrade():
    with op.batch_alter_table("deadline_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_reminder_department_id"))
    op.drop_table("deadline_reminder")
    op.drop_index("uq_deadline_target_department", table_name="deadline_target")
    op.drop_table("deadline_target")
    with op.batch_alter_table("department") as batch_op:
        batch_op.drop_column("head_email")
        batch_op.drop_column("head_name")

"""privacy and access: handlers' departments, token scopes, consent withdrawal, audit indexes

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Tokens issued before scopes existed keep what their user's role let them do.
_SCOPES_BY_ROLE = """
    UPDATE api_token SET scopes = COALESCE((
        SELECT CASE u.role
            WHEN 'integration' THEN 'intake'
            WHEN 'supplier' THEN 'supplier'
            WHEN 'developer' THEN 'read'
            WHEN 'analyst' THEN 'read'
            ELSE 'intake read'
        END
        FROM "user" u WHERE u.id = api_token.user_id
    ), '')
"""


def upgrade():
    op.create_table(
        "user_department",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"],
            name=op.f("fk_user_department_department_id_department"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_user_department_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "department_id", name=op.f("pk_user_department")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scopes", sa.String(length=64), server_default="", nullable=False)
        )
    op.execute(_SCOPES_BY_ROLE)
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("consent_withdrawn_channel", sa.String(length=32), nullable=True)
        )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_id"))
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("consent_withdrawn_channel")
        batch_op.drop_column("consent_withdrawn_at")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("scopes")
    op.drop_table("user_department")

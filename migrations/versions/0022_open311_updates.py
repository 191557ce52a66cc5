"""open311: citizens' updates, uploaded media, e-service attributes; a request's media
URLs, address id, zipcode and attribute values

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.add_column(sa.Column("media_urls", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("address_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("zipcode", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=True))
    op.create_table(
        "open311_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("submitter_id", sa.Integer(), nullable=False),
        sa.Column("client_update_id", sa.String(length=150), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("redacted_text", sa.Text(), nullable=True),
        sa.Column("media_url", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_open311_update_feedback_id_feedback")
        ),
        sa.ForeignKeyConstraint(
            ["submitter_id"], ["user.id"], name=op.f("fk_open311_update_submitter_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_update")),
        sa.UniqueConstraint("submitter_id", "client_update_id", name="uq_open311_update_client"),
    )
    op.create_index(
        op.f("ix_open311_update_feedback_id"), "open311_update", ["feedback_id"], unique=False
    )
    op.create_table(
        "open311_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_open311_media_feedback_id_feedback")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_media")),
        sa.UniqueConstraint("token", name=op.f("uq_open311_media_token")),
    )
    op.create_index(
        op.f("ix_open311_media_feedback_id"), "open311_media", ["feedback_id"], unique=False
    )
    op.create_table(
        "eservice_attribute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("eservice_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("datatype", sa.String(length=16), nullable=False),
        sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["eservice_id"],
            ["eservice.id"],
            name=op.f("fk_eservice_attribute_eservice_id_eservice"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eservice_attribute")),
        sa.UniqueConstraint("eservice_id", "code", name="uq_eservice_attribute_code"),
    )
    op.create_index(
        op.f("ix_eservice_attribute_eservice_id"),
        "eservice_attribute",
        ["eservice_id"],
        unique=False,
    )


def downgrade():
    op.drop_index(op.f("ix_eservice_attribute_eservice_id"), table_name="eservice_attribute")
    op.drop_table("eservice_attribute")
    op.drop_index(op.f("ix_open311_media_feedback_id"), table_name="open311_media")
    op.drop_table("open311_media")
    op.drop_index(op.f("ix_open311_update_feedback_id"), table_name="open311_update")
    op.drop_table("open311_update")
    with op.batch_alter_table("feedback") as batch_op:
        batch_op.drop_column("attributes")
        batch_op.drop_column("zipcode")
        batch_op.drop_column("address_id")
        batch_op.drop_column("media_urls")

"""the token that tells processes the reference data they keep has changed

Revision ID: 0031
Revises: 0030
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "reference_data",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_data")),
    )
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])


def downgrade():
    op.drop_table("reference_data")

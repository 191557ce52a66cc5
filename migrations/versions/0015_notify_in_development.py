"""department setting: tell citizens when the team starts work on their problem

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("department") as batch_op:
        batch_op.add_column(
            sa.Column(
                "notify_in_development",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade():
    with op.batch_alter_table("department") as batch_op:
        batch_op.drop_column("notify_in_development")

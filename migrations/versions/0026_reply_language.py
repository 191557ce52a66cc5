"""the language a handler's reply is written in

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notice") as batch_op:
        batch_op.add_column(sa.Column("body_language", sa.String(length=8), nullable=True))
    # Replies written so far were taken to be in the citizen's language.
    op.execute("UPDATE notice SET body_language = language WHERE body IS NOT NULL")


def downgrade():
    with op.batch_alter_table("notice") as batch_op:
        batch_op.drop_column("body_language")

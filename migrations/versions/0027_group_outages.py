"""how many members a problem group's representative sums, and how many are outages

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(
            sa.Column("profile_members", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("profile_outages", sa.Integer(), nullable=False, server_default="0")
        )
    # Groups profiled so far: counted from their members, as the profile would have summed.
    op.execute(
        "UPDATE ticket SET"
        " profile_members = (SELECT count(*) FROM feedback WHERE feedback.ticket_id = ticket.id),"
        " profile_outages = (SELECT count(*) FROM feedback"
        " WHERE feedback.ticket_id = ticket.id AND feedback.kind = 'outage')"
        " WHERE centroid IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("profile_outages")
        batch_op.drop_column("profile_members")

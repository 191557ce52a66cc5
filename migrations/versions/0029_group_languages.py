"""how many of a problem group's members wrote in each language (a pair feature)

Revision ID: 0029
Revises: 0028
"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(
            sa.Column(
                "profile_languages", sa.JSON(), nullable=False, server_default=sa.text("'{}'")
            )
        )
    # Groups profiled so far: counted from their members, as the profile would have summed.
    bind = op.get_bind()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = bind.execute(
        sa.text(
            "SELECT feedback.ticket_id, feedback.language, count(*) FROM feedback"
            " JOIN ticket ON ticket.id = feedback.ticket_id"
            " WHERE ticket.centroid IS NOT NULL AND feedback.language IS NOT NULL"
            " GROUP BY feedback.ticket_id, feedback.language"
        )
    )
    for ticket_id, language, members in rows:
        counts[ticket_id][language] = members
    ticket = sa.table(
        "ticket", sa.column("id", sa.Integer), sa.column("profile_languages", sa.JSON)
    )
    for ticket_id, languages in counts.items():
        bind.execute(
            ticket.update().where(ticket.c.id == ticket_id).values(profile_languages=languages)
        )


def downgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("profile_languages")

"""a merged group's pending count push now closes its tracker issue: drop the old ones

Groups a grouping worker gathers into another (app/services/grouping.py) have their tracker
issue closed as a duplicate by the next count push. Groups a handler merged before this
revision may still carry a count push that was never made (pushes skipped merged groups);
their issues are left for the team, as the merge promised, so those pushes are dropped.

Revision ID: 0028
Revises: 0027
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE ticket SET count_due_at = NULL WHERE state = 'merged'")


def downgrade():
    pass  # the dropped pushes were never due to be made

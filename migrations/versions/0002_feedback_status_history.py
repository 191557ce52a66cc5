"""status history of feedback items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 19:18:31.742871

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_feedback_event_feedback_id_feedback')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_event'))
    )
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_event_feedback_id'), ['feedback_id'], unique=False)



def downgrade():
    with op.batch_alter_table('feedback_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_event_feedback_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_event_at'))

    op.drop_table('feedback_event')

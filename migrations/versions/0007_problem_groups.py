"""problem groups: a ticket is the group of its items, with a running representative;
item embeddings; held and merged groups; throttled affected-count pushes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:20:42.382805

Tickets opened before this revision get NULL profiles, which grouping rebuilds from their
items the first time an item of their e-service arrives. ``signature`` (an exact hash of the
words) is replaced by that similarity and dropped.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('item_embedding',
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], name=op.f('fk_item_embedding_feedback_id_feedback'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('feedback_id', name=op.f('pk_item_embedding'))
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('centroid', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('ngram_profile', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('term_profile', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('error_codes', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('count_synced', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('count_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f('ix_ticket_signature'))
        batch_op.create_index(batch_op.f('ix_ticket_count_due_at'), ['count_due_at'], unique=False)
        batch_op.create_index('ix_ticket_scope', ['eservice_id', 'department_id', 'state'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ticket_merged_into_id_ticket'), 'ticket', ['merged_into_id'], ['id'])
        batch_op.drop_column('signature')



def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.String(length=80), nullable=False, server_default=''))
        batch_op.drop_constraint(batch_op.f('fk_ticket_merged_into_id_ticket'), type_='foreignkey')
        batch_op.drop_index('ix_ticket_scope')
        batch_op.drop_index(batch_op.f('ix_ticket_count_due_at'))
        batch_op.create_index(batch_op.f('ix_ticket_signature'), ['signature'], unique=False)
        batch_op.drop_column('count_due_at')
        batch_op.drop_column('count_synced')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('error_codes')
        batch_op.drop_column('term_profile')
        batch_op.drop_column('ngram_profile')
        batch_op.drop_column('centroid')

    op.drop_table('item_embedding')

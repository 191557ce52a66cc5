"""call-log imports started on the staff site

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 19:23:17.891631

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('call_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('mapping', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('stored', sa.Integer(), nullable=False),
    sa.Column('known', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('rejections', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_call_import_created_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_import'))
    )
    with op.batch_alter_table('call_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_import_state'), ['state'], unique=False)



def downgrade():
    with op.batch_alter_table('call_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_import_state'))

    op.drop_table('call_import')

"""benchmark exchange: service types of e-services, peers and their keys, imported figures
and the import audit

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("eservice") as batch_op:
        batch_op.add_column(sa.Column("service_type", sa.String(64), nullable=True))
        batch_op.create_index("ix_eservice_service_type", ["service_type"])
    op.create_table(
        "benchmark_peer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False, unique=True),
        sa.Column("export_url", sa.String(500), nullable=True),
        sa.Column("fetch_token", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("show_name", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "benchmark_import",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("peer_id", sa.Integer(), sa.ForeignKey("benchmark_peer.id"), nullable=True),
        sa.Column("period", sa.String(7), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("service_types", sa.Integer(), nullable=False),
        sa.Column("named", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_benchmark_import_at", "benchmark_import", ["at"])
    op.create_index("ix_benchmark_import_peer_id", "benchmark_import", ["peer_id"])
    op.create_table(
        "benchmark_figure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("peer_id", sa.Integer(), sa.ForeignKey("benchmark_peer.id"), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("service_type", sa.String(64), nullable=False),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("benchmark_import.id"), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.UniqueConstraint("peer_id", "period", "service_type", name="uq_benchmark_figure_cell"),
    )
    op.create_index("ix_benchmark_figure_period", "benchmark_figure", ["period"])


def downgrade():
    op.drop_table("benchmark_figure")
    op.drop_table("benchmark_import")
    op.drop_table("benchmark_peer")
    with op.batch_alter_table("eservice") as batch_op:
        batch_op.drop_index("ix_eservice_service_type")
        batch_op.drop_column("service_type")

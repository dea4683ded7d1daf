"""Session generations on accounts (sign-out revokes) and the rate limiter's counters.

Revision ID: 0002_sessions_and_lockout
Revises: 0001
Create Date: 2026-12-01 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0002_sessions_and_lockout"
down_revision = "0001"
branch_labels = None
depends_on = None

ACCOUNTS = ("participant", "caregiver", "staff_user")


def upgrade():
    for table in ACCOUNTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("session_generation", sa.Integer(),
                                          server_default="0", nullable=False))
    op.create_table("rate_limit_counter",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("key", sa.String(length=255), nullable=False),
    sa.Column("hits", sa.Integer(), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_counter")),
    sa.UniqueConstraint("key", name=op.f("uq_rate_limit_counter_key"))
    )


def downgrade():
    op.drop_table("rate_limit_counter")
    for table in reversed(ACCOUNTS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("session_generation")

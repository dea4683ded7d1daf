"""Provider error codes as text: Alibaba and Tencent name their codes (isv.BUSINESS_LIMIT_CONTROL).

Revision ID: 0004_mainland_sms
Revises: 0003_append_only
Create Date: 2026-12-01 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0004_mainland_sms"
down_revision = "0003_append_only"
branch_labels = None
depends_on = None

TABLES = ("outbound_message", "message_event")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("error_code", existing_type=sa.Integer(),
                               type_=sa.String(length=64), existing_nullable=True,
                               postgresql_using="error_code::text")


def downgrade():
    # Named codes cannot become numbers: they are cleared.
    for table in TABLES:
        op.execute(sa.text(f"UPDATE {table} SET error_code = NULL "
                           "WHERE error_code IS NOT NULL AND error_code NOT GLOB '[0-9]*'")
                   if op.get_bind().dialect.name == "sqlite" else
                   sa.text(f"UPDATE {table} SET error_code = NULL "
                           "WHERE error_code !~ '^[0-9]+$'"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("error_code", existing_type=sa.String(length=64),
                               type_=sa.Integer(), existing_nullable=True,
                               postgresql_using="error_code::integer")

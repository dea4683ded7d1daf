"""Submissions and answer revisions are append-only, like the audit trail.

Revision ID: 0003_append_only
Revises: 0001
Create Date: 2026-12-01 07:30:00

"""
from alembic import op

from diary.models import append_only

revision = "0003_append_only"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = ("submission", "answer_revision")


def upgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        for statement in append_only.create_statements(dialect, table):
            op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        for statement in append_only.drop_statements(dialect, table):
            op.execute(statement)

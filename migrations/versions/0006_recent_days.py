"""Everyone's recent diary days by date: the dashboard's ranking reads them from one index.

Revision ID: 0006_recent_days
Revises: 0005_reminder_groups
Create Date: 2026-12-01 11:30:00

"""
from alembic import op


revision = "0006_recent_days"
down_revision = "0005_reminder_groups"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_diary_entry_recent_days", "diary_entry",
                    ["diary_date", "participant_id", "status"])


def downgrade():
    op.drop_index("ix_diary_entry_recent_days", table_name="diary_entry")

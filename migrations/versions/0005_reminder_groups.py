"""The people who share a time zone and a reminder time, found without reading the roster.

Revision ID: 0005_reminder_groups
Revises: 0004_mainland_sms
Create Date: 2026-12-01 11:10:00

"""
from alembic import op


revision = "0005_reminder_groups"
down_revision = "0004_mainland_sms"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_participant_reminder_group", "participant",
                    ["timezone", "reminder_time", "status"])


def downgrade():
    op.drop_index("ix_participant_reminder_group", table_name="participant")

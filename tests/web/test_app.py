"""Configuration, database settings and command-line tools."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from diary import config, create_app
from diary.models import AuditEvent, DiaryEntry, Participant, StaffUser


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("DIARY_SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError, match="DIARY_SECRET_KEY"):
        create_app({"DIARY_ENV": "production", "DIARY_ENCRYPTION_KEYS": "x",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_production_refuses_to_start_without_encryption_keys(tmp_path):
    with pytest.raises(config.ConfigError, match="DIARY_ENCRYPTION_KEYS"):
        create_app({"DIARY_ENV": "production", "SECRET_KEY": "s" * 32,
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_twilio_backend_needs_its_credentials(tmp_path):
    with pytest.raises(config.ConfigError, match="TWILIO_ACCOUNT_SID"):
        create_app({"DIARY_SMS_BACKEND": "twilio", "SECRET_KEY": "s", "DIARY_ENCRYPTION_KEYS":
                    "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_development_generates_its_secrets_once(tmp_path):
    first = config.load(str(tmp_path), {})
    config.validate(first, str(tmp_path))
    second = config.load(str(tmp_path), {})
    config.validate(second, str(tmp_path))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DIARY_WINDOW_CLOSE_HOUR", "10")
    monkeypatch.setenv("DIARY_COMPLIANCE_TARGET", "0.75")
    loaded = config.load(str(tmp_path), {})
    assert loaded["DIARY_WINDOW_CLOSE_HOUR"] == 10
    assert loaded["DIARY_COMPLIANCE_TARGET"] == 0.75


def test_sqlite_uses_wal_foreign_keys_and_a_busy_timeout(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    assert session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    assert session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 10000


def test_models_match_the_migrations(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from diary.extensions import db

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_no_model_stamps_a_time_of_its_own():
    """Every time a row holds comes from the `now` its service was given, never a hidden clock."""
    from diary.extensions import db
    from diary.models.base import UTCDateTime

    stamped = [f"{table.name}.{column.name}" for table in db.metadata.tables.values()
               for column in table.columns if isinstance(column.type, UTCDateTime)
               and (column.default is not None or column.onupdate is not None)]
    assert stamped == []


def test_demo_command_is_idempotent(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["diary", "demo"])
    second = runner.invoke(args=["diary", "demo"])
    assert "Demo data created." in first.output
    assert "already present" in second.output
    assert session.scalar(select(func.count()).select_from(Participant)) == 12
    assert session.scalar(select(func.count()).select_from(StaffUser)) == 3
    statuses = set(session.scalars(select(DiaryEntry.status)).all())
    assert {"on_time", "late", "missed"} <= {s.value for s in statuses}


def test_demo_participant_signs_in_with_the_documented_pin(app, client):
    app.test_cli_runner().invoke(args=["diary", "demo"])
    from tests.conftest import csrf

    for phone, pin in (("13800000001", "246810"), ("13800000102", "135790")):
        c = app.test_client()
        response = c.post("/login", data={"phone": phone, "pin": pin, "csrf_token": csrf(c)})
        assert response.status_code == 302, phone


def test_create_staff_command_refuses_a_short_password(app, session):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["diary", "create-staff", "--email", "a@example.org", "--name",
                                "A", "--password", "short"])
    assert short.exit_code != 0
    ok = runner.invoke(args=["diary", "create-staff", "--email", "A@Example.org", "--name", "A",
                             "--password", "a-long-enough-password"])
    assert ok.exit_code == 0, ok.output
    staff = session.scalar(select(StaffUser))
    assert staff.email == "a@example.org"
    assert staff.role.value == "admin"
    assert session.scalar(select(AuditEvent.action)) == "staff.create"


def test_tick_command_accepts_an_instant(app):
    result = app.test_cli_runner().invoke(args=["diary", "tick", "--now",
                                                "2026-03-10T12:00:00+08:00"])
    assert result.exit_code == 0, result.output
    assert "2026-03-10T04:00:00+00:00" in result.output
    bad = app.test_cli_runner().invoke(args=["diary", "tick", "--now", "tomorrow"])
    assert bad.exit_code != 0


def test_clock_is_injectable(app, clock):
    from diary import clock as diary_clock

    clock.at = datetime(2030, 1, 1, tzinfo=UTC)
    assert diary_clock.now() == clock.at


def test_a_savepoint_released_first_in_a_transaction_does_not_commit_it(session):
    """On SQLite the driver's own transactions would commit at the savepoint's release."""
    from datetime import date

    from diary.models import DayStatus, DiaryEntry
    from tests.support.factories import CREATED, make_participant

    p = make_participant(session)
    session.commit()
    with session.begin_nested():
        session.add(DiaryEntry(participant_id=p.id, diary_date=date(2026, 3, 1),
                               status=DayStatus.MISSED, created_at=CREATED))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0

"""`flask diary backup`: a consistent online copy of SQLite, taken while another process writes."""

import os
import sqlite3
import stat
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from diary import create_app
from diary.extensions import db
from diary.models import AnswerRevision, AuditEvent, DiaryEntry, Submission
from tests.conftest import POSTGRES_URL, _config
from tests.support.factories import make_participant

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="backs up the embedded database")
START = date(2026, 2, 20)


def snapshot(session) -> dict:
    """Every entry, revision, submission and audit event, as comparable tuples."""
    return {
        "entries": {(e.participant_id, e.diary_date, e.status) for e in session.scalars(
            select(DiaryEntry))},
        "answers": {(e.id, e.answer_map().get("S1")) for e in session.scalars(
            select(DiaryEntry))},
        "submissions": set(session.scalars(select(Submission.token))),
        "revisions": {tuple(r) for r in session.execute(select(
            AnswerRevision.submission_id, AnswerRevision.item_id, AnswerRevision.old_value,
            AnswerRevision.new_value))},
        "audit": {tuple(r) for r in session.execute(select(AuditEvent.id, AuditEvent.action))},
    }


@pytest.fixture
def history(session, submit):
    """Three participants, a fortnight each, every day sent then amended: the data to keep."""
    people = [make_participant(session, diary_start_date=START) for _ in range(3)]
    session.commit()
    for p in people:
        for n in range(14):
            day = START + timedelta(days=n)
            submit(p, day, f"{day.isoformat()}T20:00:00+08:00", {"R1": "participant", "S1": "1"})
            submit(p, day, f"{day.isoformat()}T21:00:00+08:00", {"R1": "participant", "S1": "3"})
    return snapshot(session)


class Writer(threading.Thread):
    """Another connection committing pairs of audit events as fast as it can."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True)
        self.path, self.stop, self.pairs = path, threading.Event(), 0

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        while not self.stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            for half in ("a", "b"):
                conn.execute("INSERT INTO audit_event (at, actor_type, action, target) "
                             "VALUES ('2026-03-10 12:00:00', 'system', 'load', ?)",
                             (f"pair:{self.pairs}:{half}",))
            conn.execute("COMMIT")
            self.pairs += 1
        conn.close()


@sqlite_only
def test_backup_while_another_connection_writes_restores_every_record(
        app, session, history, tmp_path):
    session.close()
    writer = Writer(db.engine.url.database)
    writer.start()
    while writer.pairs < 20:
        time.sleep(0.01)
    result = app.test_cli_runner().invoke(args=["diary", "backup", "--to", str(tmp_path) + "/"])
    writer.stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    copy = result.output.strip()
    assert os.path.dirname(copy) == str(tmp_path)
    assert os.path.basename(copy).startswith("diary-2026")
    assert copy.endswith(".db")
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    assert writer.pairs > 20  # the writer kept going during the backup

    restored = create_app(_config(f"sqlite:///{copy}", str(tmp_path)))
    with restored.app_context():
        found = snapshot(db.session)
        loads = db.session.scalars(select(AuditEvent.target).where(
            AuditEvent.action == "load")).all()
        db.session.remove()
        db.engine.dispose()
    assert {k: found[k] for k in ("entries", "answers", "submissions", "revisions")} == {
        k: history[k] for k in ("entries", "answers", "submissions", "revisions")}
    assert len(history["entries"]) == 42
    assert len(history["revisions"]) == 42
    assert history["audit"] <= found["audit"]
    # Consistent: each writer transaction is in the copy whole or not at all.
    halves = {}
    for target in loads:
        _, n, half = target.split(":")
        halves.setdefault(n, set()).add(half)
    assert loads
    assert all(h == {"a", "b"} for h in halves.values())


@sqlite_only
def test_backup_copy_is_a_single_self_contained_file(app, session, history, tmp_path):
    session.close()
    target = tmp_path / "nightly" / "copy.db"
    result = app.test_cli_runner().invoke(args=["diary", "backup", "--to", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT count(*) FROM answer_revision").fetchone()[0] == 42
    conn.close()
    again = app.test_cli_runner().invoke(args=["diary", "backup", "--to", str(target)])
    assert again.exit_code != 0
    assert "already exists" in again.output


@sqlite_only
def test_backup_defaults_to_a_private_folder_under_instance(app, session, history, tmp_path):
    session.close()
    app.instance_path = str(tmp_path / "instance")
    result = app.test_cli_runner().invoke(args=["diary", "backup"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "instance" / "backups"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == [os.path.basename(result.output.strip())]


def test_backup_on_postgresql_points_to_the_documented_routine(tmp_path):
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    app = create_app(_config(url, str(tmp_path)))
    result = app.test_cli_runner().invoke(args=["diary", "backup", "--to", str(tmp_path)])
    assert result.exit_code != 0
    assert "pg_dump -Fc" in result.output
    assert "point-in-time recovery" in result.output
    assert "docs/DEPLOY.md" in result.output
    assert list(tmp_path.iterdir()) == []

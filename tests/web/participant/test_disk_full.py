"""The disk under the SQLite file fills up while a person sends: a clear page, answers kept.

The database lives on a real tmpfs of 4 MB mounted for the test (root only; skipped otherwise);
a filler file takes every free block before the send, and is removed before the retry.
"""

import errno
import shutil
import sqlite3
import subprocess

import pytest

from diary import create_app
from diary.extensions import db as _db
from tests.conftest import POSTGRES_URL, RequestClient, _config
from tests.support.faults import draft_of, send_again, stored
from tests.web.participant.test_bad_input import open_screen, to_review
from tests.web.participant.test_diary_flow import DAY
from tests.web.participant.test_faults import NOTHING, THE_DAY

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="the embedded database's disk")


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"a small file system needs root to mount: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def app(template_db, tmp_path, clock, small_disk):
    """The application with its database file on the small disk."""
    shutil.copy(template_db, small_disk / "diary.db")
    app = create_app(_config(f"sqlite:///{small_disk / 'diary.db'}", str(tmp_path),
                             DIARY_CLOCK=clock))
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


def fill(folder) -> int:
    """Take every free block of the file system; returns the bytes written."""
    written = 0
    with open(folder / "filler", "wb", buffering=0) as filler:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while True:
                    written += filler.write(b"\0" * size)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    return written


def test_disk_full_during_the_send_keeps_the_answers_and_a_retry_stores_them_once(
        client, session, login_as, clock, small_disk):
    p, walker = open_screen(client, session, login_as, clock, "who", locale="en")
    pid = p.id
    to_review(walker)
    kept = draft_of(session, pid)
    session.close()
    assert fill(small_disk) > 0
    assert shutil.disk_usage(small_disk).free == 0
    page = walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})
    assert walker.status == 503
    assert "Not saved yet" in page
    assert "what you entered is kept on this page" in page
    (small_disk / "filler").unlink()
    assert stored(session, pid, THE_DAY) == NOTHING
    assert draft_of(session, pid) == kept
    session.close()
    assert send_again(client, page).headers["Location"] == f"/diary/{DAY}/done"
    assert stored(session, pid, THE_DAY)["submissions"] == 1
    session.close()
    check = sqlite3.connect(small_disk / "diary.db")
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()

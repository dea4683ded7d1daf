"""The database locked (SQLite) or its connection killed (PostgreSQL) while a person sends.

Each fault is real: another connection holds the SQLite write lock, or the app's own
PostgreSQL backend is terminated with pg_terminate_backend at the chosen statement. The person
gets a clear page in their language (503, never 500), nothing is half written, and one tap on
"Try again" sends the same answers once.
"""

import time
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from diary.extensions import db
from diary.models import Flag, FlagKind
from tests.conftest import POSTGRES_URL
from tests.support.faults import draft_of, send_again, sqlite_locked, stored
from tests.web.participant.test_bad_input import open_screen, to_review
from tests.web.participant.test_diary_flow import DAY

THE_DAY = date.fromisoformat(DAY)

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="a SQLite file lock")
postgres_only = pytest.mark.skipif(not POSTGRES_URL, reason="a PostgreSQL backend killed")
NOTHING = {"entries": 0, "answers": 0, "submissions": 0, "audit": 0}
NOT_SAVED = {"en": "Not saved yet", "zh": "尚未保存"}


def at_review(client, session, login_as, clock, locale="en", browser=None):
    """A participant on the review page of a stable day; the test's own reads ended."""
    if browser:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = browser
    p, walker = open_screen(client, session, login_as, clock, "who", locale=locale)
    to_review(walker)
    assert walker.url == f"/diary/{DAY}/review"
    session.commit()
    return p.id, walker


def at_warning(client, session, login_as, clock):
    """A participant on the warning-signs screen; the test's own reads ended."""
    p, walker = open_screen(client, session, login_as, clock, "who")
    walker.press({"R1": "participant"})
    session.commit()
    return p.id, walker


def urgent_flag(session, pid: int):
    session.rollback()
    return session.scalar(select(Flag.kind).where(Flag.participant_id == pid))


def history_while_locked(client, session, login_as, clock, readers_too: bool):
    """A signed-in participant opens Past days while another connection holds the lock."""
    open_screen(client, session, login_as, clock, "who")
    session.commit()
    session.close()
    with sqlite_locked(database_file(), readers_too=readers_too):
        return client.get("/history")


def send(walker):
    return walker.press({"token": walker.hidden("token"), "base": walker.hidden("base")})


def database_file() -> str:
    return db.engine.url.database


@sqlite_only
@pytest.mark.parametrize(("locale", "browser"), [("en", "zh-CN,zh"), ("zh", "en-US,en")])
def test_send_while_the_database_is_locked_keeps_the_answers_for_one_retry(
        client, session, login_as, clock, short_busy_wait, locale, browser):
    pid, walker = at_review(client, session, login_as, clock, locale, browser)
    kept = draft_of(session, pid)
    token = walker.hidden("token")
    session.close()
    started = time.monotonic()
    with sqlite_locked(database_file()):
        page = send(walker)
    assert time.monotonic() - started < 5
    assert walker.status == 503
    assert NOT_SAVED[locale] in page  # the account's language, not the browser's
    assert f'name="token" value="{token}"' in page
    assert stored(session, pid, THE_DAY) == NOTHING
    assert draft_of(session, pid) == kept
    session.close()
    review = client.get(f"/diary/{DAY}/review").get_data(as_text=True)
    assert 'name="token"' in review
    assert send_again(client, page).headers["Location"] == f"/diary/{DAY}/done"
    assert send_again(client, page).status_code == 302  # a second tap stores nothing more
    assert stored(session, pid, THE_DAY) == {"entries": 1, "answers": len(
        [k for k in kept if k != "R1"]) + 1, "submissions": 1, "audit": 1}


@sqlite_only
def test_a_screen_saved_while_the_database_is_locked_keeps_what_was_chosen(
        client, session, login_as, clock, short_busy_wait):
    p, walker = open_screen(client, session, login_as, clock, "who")
    pid = p.id
    session.commit()
    session.close()
    with sqlite_locked(database_file()):
        page = walker.press({"R1": "participant_helped"})
    assert walker.status == 503
    assert 'name="R1" value="participant_helped"' in page
    assert 'name="pin"' not in page
    assert draft_of(session, pid) == {}
    session.close()
    assert send_again(client, page).headers["Location"] == f"/diary/{DAY}/warning"
    assert draft_of(session, pid) == {"R1": "participant_helped"}


@sqlite_only
def test_a_warning_sign_sent_while_the_database_is_locked_still_shows_the_way_to_help(
        client, session, login_as, clock, short_busy_wait):
    pid, walker = at_warning(client, session, login_as, clock)
    session.close()
    with sqlite_locked(database_file()):
        page = walker.press({"RF1": "yes", "action": "next"})
    assert walker.status == 503
    assert 'href="tel:120"' in page
    assert "Call 120" in page
    assert 'name="RF1" value="yes"' in page
    session.close()
    help_page = send_again(client, page)
    assert "/help" in help_page.headers["Location"]
    assert urgent_flag(session, pid) == FlagKind.SAFETY_URGENT


@sqlite_only
def test_a_page_that_only_reads_opens_while_another_connection_writes(
        client, session, login_as, clock, short_busy_wait):
    assert history_while_locked(client, session, login_as, clock, False).status_code == 200


@sqlite_only
def test_a_page_opened_while_the_database_is_held_exclusively_says_so_and_offers_to_reload(
        client, session, login_as, clock, short_busy_wait):
    response = history_while_locked(client, session, login_as, clock, readers_too=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "15"
    assert response.headers["Cache-Control"] == "no-store"
    assert "The diary is busy" in page
    assert 'href="/history"' in page
    assert client.get("/history").status_code == 200


@postgres_only
def test_connection_killed_during_the_send_keeps_the_answers_and_writes_nothing(
        client, session, login_as, clock, kill_backend_on):
    pid, walker = at_review(client, session, login_as, clock)
    kept = draft_of(session, pid)
    session.commit()
    armed = kill_backend_on("INSERT INTO submission")
    page = send(walker)
    assert armed["killed"] == 1
    assert walker.status == 503
    assert NOT_SAVED["en"] in page
    assert stored(session, pid, THE_DAY) == NOTHING
    assert draft_of(session, pid) == kept
    session.commit()
    assert send_again(client, page).headers["Location"] == f"/diary/{DAY}/done"
    assert stored(session, pid, THE_DAY)["submissions"] == 1


@postgres_only
def test_connection_killed_at_commit_leaves_nothing_half_written(
        client, session, login_as, clock, kill_backend_on):
    pid, walker = at_review(client, session, login_as, clock)
    session.commit()
    armed = kill_backend_on("DELETE FROM draft")  # the last statement before COMMIT
    page = send(walker)
    assert armed["killed"] == 1
    assert walker.status == 503
    assert stored(session, pid, THE_DAY) == NOTHING
    session.commit()
    assert send_again(client, page).headers["Location"] == f"/diary/{DAY}/done"


@postgres_only
def test_connection_killed_between_pages_is_replaced_unnoticed(
        client, session, login_as, clock, app):
    pid, walker = at_review(client, session, login_as, clock)
    session.close()
    admin = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    with admin.connect() as other:
        killed = other.scalar(sa.text(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    admin.dispose()
    assert killed >= 1
    send(walker)
    assert walker.url == f"/diary/{DAY}/done"
    assert stored(session, pid, THE_DAY)["submissions"] == 1


@postgres_only
def test_connection_killed_while_a_warning_sign_is_stored_shows_help_and_loses_no_flag(
        client, session, login_as, clock, kill_backend_on):
    pid, walker = at_warning(client, session, login_as, clock)
    armed = kill_backend_on("INSERT INTO submission")
    page = walker.press({"RF1": "yes", "action": "next"})
    assert armed["killed"] == 1
    assert walker.status == 503
    assert 'href="tel:120"' in page
    assert "Your answers are saved." not in page  # they are not, yet: the page says so
    assert stored(session, pid, THE_DAY) == NOTHING
    session.commit()
    assert "/help" in send_again(client, page).headers["Location"]
    assert urgent_flag(session, pid) == FlagKind.SAFETY_URGENT


@sqlite_only
def test_sign_in_while_the_database_is_locked_asks_to_try_again_without_echoing_the_pin(
        client, session, short_busy_wait):
    from tests.conftest import csrf
    from tests.support.factories import PIN, make_participant

    p = make_participant(session, locale="en")
    phone = p.phone
    session.commit()
    token = csrf(client)
    session.close()
    with sqlite_locked(database_file()):
        response = client.post("/login", data={"phone": phone, "pin": PIN, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert PIN not in page
    assert 'href="/login"' in page
    assert client.post("/login", data={"phone": phone, "pin": PIN,
                                       "csrf_token": token}).status_code == 302

"""On the real server: what a participant taps is kept when leaving a screen, and a "yes" tapped
before a "none" shortcut is acted on, with the help page that fits it."""

from datetime import UTC, datetime

from sqlalchemy import select

from diary.models import Draft, Flag, Participant
from diary.rules import schedule
from tests.live.conftest import sign_in


def _today(live_server, participant_id) -> str:
    with live_server.database() as session:
        tz = session.get(Participant, participant_id).timezone
    return schedule.local_today(datetime.now(UTC), tz).isoformat()


def _draft(live_server, participant_id, day: str) -> dict:
    with live_server.database() as session:
        draft = session.scalar(select(Draft).where(Draft.participant_id == participant_id,
                                                   Draft.diary_date == datetime.fromisoformat(
                                                       day).date()))
        return dict(draft.answers) if draft else {}


def test_finish_later_and_back_keep_the_taps_and_none_never_undoes_a_yes(live_server, cast):
    day = _today(live_server, cast.participant_id)
    browser = sign_in(live_server, "participant")
    browser.get(f"/diary/{day}/symptoms")
    later = browser.submit(f"/diary/{day}/symptoms", {"S1": "3", "action": "later"})
    assert (later.status_code, later.headers["Location"]) == (302, "/")
    browser.get(f"/diary/{day}/symptoms")
    back = browser.submit(f"/diary/{day}/symptoms", {"S1": "3", "S6": "2", "action": "back"})
    assert back.headers["Location"] == f"/diary/{day}/warning"
    assert {k: _draft(live_server, cast.participant_id, day).get(k) for k in ("S1", "S6")} == \
        {"S1": "3", "S6": "2"}

    browser.get(f"/diary/{day}/warning")
    none = browser.submit(f"/diary/{day}/warning", {"RF1": "yes", "RF12": "yes",
                                                    "action": "none"})
    assert none.headers["Location"] == f"/diary/{day}/help?kind=emergency&both=1"
    page = browser.get(none.headers["Location"]).text
    assert page.index('href="tel:120"') < page.index('href="tel:12356"')
    with live_server.database() as session:
        details = session.scalars(select(Flag.detail).where(
            Flag.participant_id == cast.participant_id)).all()
    assert any("RF1" in (d or "") and "RF12" in (d or "") for d in details), details

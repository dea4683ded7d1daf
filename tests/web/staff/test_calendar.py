"""The participant page's SVG calendar: colours, undelivered reminders, no style, its months."""

import re
import xml.etree.ElementTree as ET
from datetime import date

from diary.models import MessageStatus, ParticipantStatus
from diary.services.people import care
from diary.staff.calendar_svg import FILLS
from tests.support.staff import add_days
from tests.web.staff.test_query_counts import _message

SVG = "{http://www.w3.org/2000/svg}"


def _svg(page: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg class=\"year\".*?</svg>", page, re.S).group(0))  # noqa: S314 - our own output


def test_calendar_colours_days_and_marks_undelivered_reminders(client, session, login_as,
                                                               world, clock):
    add_days(session, world.ours, "olme", date(2026, 3, 1))
    _message(session, world.ours, date(2026, 3, 3), MessageStatus.UNDELIVERED, clock)
    _message(session, world.ours, date(2026, 3, 1), MessageStatus.DELIVERED, clock)
    session.commit()
    login_as(world.coordinator)
    page = client.get(f"/staff/participants/{world.ours.id}").get_data(as_text=True)
    assert "style=" not in page
    svg = _svg(page)
    links = svg.findall(f"{SVG}a")
    assert len(links) == 396  # March 2026 to March 2027, the month the diary ends
    by_day = {a.find(f"{SVG}title").text.split(":")[0]: a for a in links}
    assert len(by_day) == 396
    fills = [a.find(f"{SVG}rect").get("fill") for a in links[:6]]
    assert fills[:4] == [FILLS["on_time"], FILLS["late"], FILLS["missed"], FILLS["excused"]]
    marked = [a for a in links if a.find(f"{SVG}circle") is not None]
    assert len(marked) == 1
    assert "reminder not delivered" in marked[0].find(f"{SVG}title").text
    assert marked[0].get("href").endswith("#d-2026-03-03")


def test_paused_days_show_as_paused(client, session, login_as, world, clock):
    clock.set("2026-03-03T10:00:00+08:00")
    care.change_status(session, world.ours, "pause", world.admin, clock())
    clock.set("2026-03-06T10:00:00+08:00")
    care.change_status(session, world.ours, "resume", world.admin, clock())
    session.commit()
    clock.set("2026-03-10T12:00:00+08:00")
    login_as(world.coordinator)
    links = _svg(client.get(f"/staff/participants/{world.ours.id}").get_data(
        as_text=True)).findall(f"{SVG}a")
    classes = [a.get("class") for a in links[:9]]
    assert classes == ["d d-missed", "d d-missed"] + ["d d-paused"] * 4 + ["d d-missed"] * 3
    assert world.ours.status == ParticipantStatus.ACTIVE


def test_calendar_and_month_navigation_cover_a_diary_starting_mid_month(client, session,
                                                                         login_as, world):
    from tests.support.factories import make_participant

    late = make_participant(session, world.xw, study_code="XW-050",
                            diary_start_date=date(2025, 3, 15), diary_end_date=date(2026, 3, 15))
    session.commit()
    login_as(world.coordinator)
    base = f"/staff/participants/{late.id}"
    svg = _svg(client.get(base).get_data(as_text=True))
    assert [t.text for t in svg.findall(f"{SVG}text")][::12] == ["2025-03", "2026-03"]
    assert len(svg.findall(f"{SVG}text")) == 13
    last = [a for a in svg.findall(f"{SVG}a") if a.get("href").endswith("#d-2026-03-15")]
    assert last[0].get("class") == "d d-upcoming"  # the diary's last day, five days ahead
    february = client.get(f"{base}?month=2026-02").get_data(as_text=True)
    assert f'href="{base}?month=2026-03#days"' in february
    march = client.get(f"{base}?month=2026-03").get_data(as_text=True)
    assert 'id="d-2026-03-15"' in march
    assert "Next month" not in march
    first = client.get(f"{base}?month=2025-03").get_data(as_text=True)
    assert "Previous month" not in first
    assert 'id="d-2025-03-15"' in first

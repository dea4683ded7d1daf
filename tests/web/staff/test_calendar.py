"""The participant page's calendar: a marked picture, links to its months, no style, no nesting."""

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


def test_calendar_colours_and_marks_days_and_marks_undelivered_reminders(client, session,
                                                                         login_as, world, clock):
    add_days(session, world.ours, "olme", date(2026, 3, 1))
    _message(session, world.ours, date(2026, 3, 3), MessageStatus.UNDELIVERED, clock)
    _message(session, world.ours, date(2026, 3, 1), MessageStatus.DELIVERED, clock)
    session.commit()
    login_as(world.coordinator)
    page = client.get(f"/staff/participants/{world.ours.id}").get_data(as_text=True)
    assert "style=" not in page
    svg = _svg(page)
    assert svg.findall(f".//{SVG}a") == []  # a picture, not a container of links
    assert "1 on time, 1 late, " in svg.get("aria-label")
    days = svg.findall(f"{SVG}g")
    assert len(days) == 396  # March 2026 to March 2027, the month the diary ends
    fills = [g.find(f"{SVG}rect").get("fill") for g in days[:6]]
    assert fills[:4] == [FILLS["on_time"], FILLS["late"], FILLS["missed"], FILLS["excused"]]
    marks = [g.find(f"{SVG}path").get("d") for g in days[:4]]
    assert len(set(marks)) == 4  # each status has its own mark, not only its colour
    marked = [n for n, g in enumerate(days) if g.find(f"{SVG}path[@class='undelivered']")
              is not None]
    assert marked == [2]


def test_each_month_is_a_link_with_its_counts_in_words(client, session, login_as, world):
    add_days(session, world.ours, "oolm", date(2026, 3, 1))
    session.commit()
    login_as(world.coordinator)
    base = f"/staff/participants/{world.ours.id}"
    page = client.get(base).get_data(as_text=True)
    months = re.findall(r'<a class="month" href="([^"]+)"', page)
    assert len(months) == 13
    assert months[0] == f"{base}?month=2026-03#days"
    march = re.search(r'<a class="month"[^>]*aria-current="true">(.*?)</a>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", march).split() == [
        "2026-03", "✓", "On", "time", "2", "◷", "Late", "1", "✗", "Missed", "6"]  # 4th to 9th


def test_paused_days_show_as_paused(client, session, login_as, world, clock):
    clock.set("2026-03-03T10:00:00+08:00")
    care.change_status(session, world.ours, "pause", world.admin, clock())
    clock.set("2026-03-06T10:00:00+08:00")
    care.change_status(session, world.ours, "resume", world.admin, clock())
    session.commit()
    clock.set("2026-03-10T12:00:00+08:00")
    login_as(world.coordinator)
    days = _svg(client.get(f"/staff/participants/{world.ours.id}").get_data(
        as_text=True)).findall(f"{SVG}g")
    classes = [g.get("class") for g in days[:9]]
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
    last = svg.findall(f"{SVG}g")[-17]  # 15 March 2026 of the month's 31 days, after 365 + 14
    assert last.get("class") == "d d-upcoming"  # the diary's last day, five days ahead
    february = client.get(f"{base}?month=2026-02").get_data(as_text=True)
    assert f'href="{base}?month=2026-03#days"' in february
    march = client.get(f"{base}?month=2026-03").get_data(as_text=True)
    assert 'id="d-2026-03-10"' in march  # today: the newest row
    assert 'id="d-2026-03-11"' not in march  # days to come are in the calendar, not rows
    assert "Next month" not in march
    first = client.get(f"{base}?month=2025-03").get_data(as_text=True)
    assert "Previous month" not in first
    assert 'id="d-2025-03-15"' in first


def test_the_calendar_formats_dates_as_babel_does(app):
    from datetime import timedelta

    from flask_babel import force_locale, format_date

    from diary.staff.calendar import date_formatter

    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 800, 7)]
    with app.test_request_context():
        for locale in ("en", "zh"):
            with force_locale(locale):
                for pattern in ("medium", "yyyy-MM", "EEE yyyy-MM-dd"):
                    formatted = date_formatter(pattern)
                    assert [formatted(d) for d in days] == [format_date(d, pattern)
                                                           for d in days], (locale, pattern)

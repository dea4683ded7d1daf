"""Every staff page renders for an admin on demo data, in both languages."""

import pytest

from diary import demo
from diary.models import Flag, Participant
from tests.support.factories import make_staff


@pytest.fixture
def admin(session, clock):
    demo.seed(session, clock())
    staff = make_staff(session, role="admin")
    session.commit()
    return staff


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_every_staff_page_renders_on_demo_data(client, session, login_as, admin, locale):
    login_as(admin, locale=locale)
    participant = session.query(Participant).filter_by(study_code="XW-005").one()
    flag = session.query(Flag).first()
    for url in ("/staff/", "/staff/?status=all", "/staff/flags", "/staff/flags?show=resolved",
                "/staff/participants/new", f"/staff/participants/{participant.id}",
                f"/staff/participants/{participant.id}?month=2026-02",
                f"/staff/participants/{participant.id}/settings",
                f"/staff/participants/{participant.id}/caregivers/new",
                f"/staff/participants/{participant.id}/days/2026-03-05",
                f"/staff/flags/{flag.id}/resolve", "/staff/exports", "/staff/audit",
                "/staff/admin/staff", "/staff/admin/sites"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "style=" not in response.get_data(as_text=True), url


def test_staff_words_in_chinese_keep_a_flag_apart_from_a_diary_day(client, session, login_as,
                                                                    admin):
    login_as(admin, locale="zh")
    participant = session.query(Participant).filter_by(study_code="XW-005").one()
    page = client.get(f"/staff/participants/{participant.id}").get_data(as_text=True)
    assert "北京时间" in page
    assert "Asia/Shanghai" not in page
    assert "follow-up" not in page
    assert "待处理" in page  # the flag that is open
    assert "可填写" not in page.split("<h2")[2]  # the flags' table never says "can be filled"


def test_message_history_steps_read_in_words(app):
    from flask_babel import force_locale

    from diary.staff.labels import message_event

    with app.test_request_context():
        with force_locale("en"):
            assert message_event("dropped:stale") == \
                "Not sent, by the rules: too late after an outage"
            assert message_event("delivered") == "Delivered"
            assert message_event("something_new") == "something_new"
        with force_locale("zh"):
            assert message_event("dropped:stale") == "按规则未发送：停机后已过时"


def test_day_facts_and_calendar_titles_read_as_whole_sentences(client, session, login_as,
                                                               world, clock):
    from datetime import date

    from diary.models import Originator
    from diary.services.diary import corrections, entries
    from tests.support.staff import full_answers

    day = date(2026, 3, 9)
    clock.set("2026-03-09T21:00:00+08:00")
    entries.submit(session, world.ours, day, full_answers(world.ours, day),
                   entries.Author(world.ours, Originator.PARTICIPANT), "t" * 20, clock())
    clock.set("2026-03-10T12:00:00+08:00")
    corrections.excuse_day(session, world.ours, date(2026, 3, 8), world.coordinator,
                           "<b>In hospital</b>", clock())
    session.commit()
    login_as(world.coordinator)
    page = client.get(f"/staff/participants/{world.ours.id}").get_data(as_text=True)
    assert "Answered by Participant" in page
    assert "Sent Mar 9, 2026 21:00" in page  # never 3/9/26, read as 3 September
    assert "Reason: &lt;b&gt;In hospital&lt;/b&gt;" in page
    assert "<title>Mar 9, 2026: On time</title>" in page
    assert "Answered by:" not in page

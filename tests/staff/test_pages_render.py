"""Every staff page renders for an admin on demo data, in both languages."""

import pytest

from diary import demo
from diary.models import Flag, Participant
from tests.factories import make_staff


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


def test_message_history_steps_read_in_words(app):
    from flask_babel import force_locale

    from diary.staff.labels import message_event

    with app.test_request_context():
        with force_locale("en"):
            assert message_event("dropped:stale") == "Dropped: too late after an outage"
            assert message_event("delivered") == "Delivered"
            assert message_event("something_new") == "something_new"
        with force_locale("zh"):
            assert message_event("dropped:stale") == "已丢弃：停机后已过时"

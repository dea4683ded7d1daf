"""Secure by default: strict CSP, no inline code, scoping, encryption at rest, append-only audit."""

import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from diary.models import AuditEvent, DayStatus, DiaryEntry
from diary.models.base import utcnow
from tests.support.factories import CREATED, make_caregiver, make_participant, make_staff

TEMPLATES = Path(__file__).resolve().parents[2] / "diary/templates"


def test_responses_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_inline_script_style_or_handlers(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text
    assert not re.search(r"\sstyle=", text), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", text), "inline event handler"
    assert not re.search(r"(src|href)=\"(https?:)?//", text), "external resource"


def test_personal_pages_are_not_cached(client, session, login_as):
    p = make_participant(session)
    session.commit()
    login_as(p)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_phone_numbers_and_names_are_encrypted_at_rest(session):
    p = make_participant(session, phone="+8613800000001")
    make_caregiver(session, p, phone="+8613800000102", name="王丽")
    session.commit()
    raw = session.execute(sa.text("SELECT phone FROM participant")).scalar()
    carer = session.execute(sa.text("SELECT phone, name FROM caregiver")).one()
    assert "13800000001" not in raw
    assert "13800000102" not in carer.phone
    assert "王丽" not in carer.name
    session.expire_all()
    assert session.get(type(p), p.id).phone == "+8613800000001"


def test_audit_trail_refuses_updates_and_deletes(session):
    session.add(AuditEvent(at=utcnow(), actor_type="system", action="test"))
    session.commit()
    for statement in ("UPDATE audit_event SET action = 'changed'", "DELETE FROM audit_event"):
        with pytest.raises(sa.exc.DatabaseError):
            session.execute(sa.text(statement))
        session.rollback()
    assert session.scalar(select(AuditEvent.action)) == "test"


def test_one_entry_per_participant_and_day_is_a_database_constraint(session):
    p = make_participant(session)
    session.add(DiaryEntry(participant_id=p.id, diary_date=date(2026, 3, 1),
                           status=DayStatus.MISSED, created_at=CREATED))
    session.commit()
    session.add(DiaryEntry(participant_id=p.id, diary_date=date(2026, 3, 1),
                           status=DayStatus.ON_TIME))
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()


def test_participant_never_sees_another_participants_entry(client, session, login_as, clock):
    from tests.web.participant.test_diary_flow import seed_yesterday

    mine = make_participant(session)
    other = make_participant(session)
    seed_yesterday(session, other, day=date(2026, 3, 9))
    login_as(mine)
    assert client.get("/diary/2026-03-09/done").status_code == 404
    page = client.get("/history").get_data(as_text=True)
    assert "day day-on_time" not in page
    assert "day day-missed" in page  # their own empty days, not the other person's


def test_participant_session_reaches_no_staff_page(client, session, login_as):
    p = make_participant(session)
    make_staff(session)
    session.commit()
    login_as(p)
    assert client.get("/staff/").status_code in (403, 404)


def test_staff_session_reaches_no_participant_page(client, session, login_as):
    staff = make_staff(session)
    session.commit()
    login_as(staff)
    assert client.get("/").status_code == 403
    assert client.get("/history").status_code == 403


def test_a_new_pin_ends_remembered_sessions(client, session, login_as):
    p = make_participant(session)
    session.commit()
    login_as(p)
    p.set_secret("135791")
    session.commit()
    assert client.get("/").status_code == 302


def test_a_session_keeps_its_signed_form_token_and_others_get_their_own(app, session,
                                                                      monkeypatch):
    import time

    from itsdangerous import TimestampSigner

    from tests.conftest import csrf
    from tests.support.factories import PIN

    p = make_participant(session)
    session.commit()
    first, second = app.test_client(), app.test_client()
    first.post("/login", data={"phone": p.phone, "pin": PIN, "csrf_token": csrf(first)})
    token = csrf(first, "/")  # a page with no form object: the template's own token
    later = int(time.time()) + 100  # signed anew, the token would carry a later time
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda _self: later)
    assert csrf(first, "/") == token  # the same session: signed once, served again
    assert csrf(second) != token
    forged = second.post("/language", data={"locale": "en", "next": "/login",
                                            "csrf_token": token})
    assert forged.status_code == 302
    assert "Sign in" not in second.get("/login").get_data(as_text=True)  # still in Chinese
    first.post("/language", data={"locale": "en", "next": "/", "csrf_token": token})
    assert "My diary" in first.get("/").get_data(as_text=True)  # the kept token is good

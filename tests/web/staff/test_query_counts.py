"""The dashboard and the participant page issue a fixed number of queries, whatever the size."""

from datetime import date, timedelta

from diary import crypto
from diary.extensions import db
from diary.models import (
    Flag,
    FlagKind,
    MessageEvent,
    MessageStatus,
    OutboundMessage,
    OutreachLog,
)
from tests.support.factories import make_caregiver, make_participant
from tests.support.staff import add_days, count_queries


def _message(session, participant, day, status, clock):
    message = OutboundMessage(
        idempotency_key=f"r:{participant.id}:{day}", participant_id=participant.id,
        site_id=participant.site_id, recipient="participant", to_phone=participant.phone,
        to_hash=crypto.lookup_hash(participant.phone), kind="reminder", diary_date=day,
        local_date=day, locale="zh", body="…", status=status, due_at=clock(),
        expires_at=clock(), created_at=clock(), updated_at=clock())
    session.add(message)
    session.flush()
    session.add(MessageEvent(message_id=message.id, status=status.value, at=clock()))


def _populate(session, world, clock, participants: int, days: int, first: int = 0) -> None:
    start = date(2026, 3, 10) - timedelta(days=days)
    for n in range(participants):
        p = make_participant(session, world.xw, study_code=f"XW-{100 + first + n}",
                             diary_start_date=start)
        make_caregiver(session, p)
        add_days(session, p, ("oolm" * days)[:days], start)
        session.add(Flag(participant_id=p.id, kind=FlagKind.MISSED_STREAK,
                         dedupe_key=f"f{p.id}", opened_at=clock(), due_at=clock()))
        _message(session, p, start, MessageStatus.UNDELIVERED, clock)
    session.commit()


def _dashboard_queries(client, login_as, staff) -> int:
    login_as(staff)
    client.get("/staff/")
    with count_queries(db.engine) as seen:
        assert client.get("/staff/").status_code == 200
    return len(seen)


def test_dashboard_query_count_does_not_grow_with_participants(app, client, session, login_as,
                                                               world, clock):
    _populate(session, world, clock, 3, 14)
    small = _dashboard_queries(client, login_as, world.coordinator)
    _populate(session, world, clock, 27, 14, first=3)
    large = _dashboard_queries(client, login_as, world.coordinator)
    assert small == large != 0, (small, large)
    # Who is signed in (with the sites of the pick list), everyone in scope with their recent
    # days and flags, the missed streaks of those with no answered recent day, and the rows
    # shown (SQLite adds its BEGIN): each a round trip on PostgreSQL.
    assert large <= 5, large


def test_the_site_pick_list_comes_with_who_is_signed_in_and_follows_a_change(
        app, client, session, login_as, world):
    """No statement of its own; a coordinator given a second site sees it on the next page,
    an admin sees every site, each by code."""
    import re

    def options(staff) -> list[str]:
        login_as(staff)
        with count_queries(db.engine) as seen:
            page = client.get("/staff/").get_data(as_text=True)
        assert not [s for s in seen if s.startswith("SELECT site.id, site.code")], seen
        return re.findall(r'<option value="\d+" ?>(\w+)</option>', page)

    assert options(world.coordinator) == ["XW"]
    world.coordinator.sites.append(world.bj)
    session.commit()
    assert options(world.coordinator) == ["BJ", "XW"]
    assert options(world.admin) == ["BJ", "XW"]


def _page_queries(client, login_as, staff, participant) -> int:
    login_as(staff)
    url = f"/staff/participants/{participant.id}?month=2026-03"
    client.get(url)
    with count_queries(db.engine) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_participant_page_query_count_does_not_grow_with_days(app, client, session, login_as,
                                                               world, clock):
    counts = []
    for days in (10, 100):
        start = date(2026, 3, 10) - timedelta(days=days)
        p = make_participant(session, world.xw, study_code=f"XW-{days}", diary_start_date=start)
        make_caregiver(session, p)
        add_days(session, p, ("oolme" * days)[:days], start)
        for n in range(0, days, 3):
            _message(session, p, start + timedelta(days=n), MessageStatus.DELIVERED, clock)
            session.add(Flag(participant_id=p.id, kind=FlagKind.LOW_COMPLIANCE,
                             dedupe_key=f"lc{p.id}:{n}", opened_at=clock(), due_at=clock(),
                             acknowledged_by_id=world.coordinator.id))
            session.add(OutreachLog(participant_id=p.id, staff_user_id=world.coordinator.id,
                                    at=clock(), channel="phone", result="reached"))
        session.commit()
        counts.append(_page_queries(client, login_as, world.coordinator, p))
    assert counts[0] == counts[1], counts


def test_staff_list_query_count_does_not_grow_with_staff(app, client, session, login_as,
                                                         world):
    from diary.models import StaffUser
    from tests.support.factories import make_staff

    counts = []
    for coordinators in (2, 12):
        while session.query(StaffUser).filter_by(role="coordinator").count() < coordinators:
            make_staff(session, "coordinator", [world.xw, world.bj])
        session.commit()
        login_as(world.admin)
        client.get("/staff/admin/staff")
        with count_queries(db.engine) as seen:
            page = client.get("/staff/admin/staff")
        assert page.status_code == 200
        shown = page.get_data(as_text=True)
        assert shown.count("BJ, XW</td>") + shown.count("XW, BJ</td>") == coordinators - 1
        counts.append(len(seen))
    assert counts[0] == counts[1], counts

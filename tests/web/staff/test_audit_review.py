"""The audit review: filters, and entries that look back-filled or odd are highlighted."""

from datetime import date, timedelta

from diary.models import Originator
from diary.services.diary import entries
from tests.support.factories import make_participant
from tests.support.staff import full_answers


def _send(session, participant, day, clock, iso, client_offset=None, n=0):
    clock.set(iso)
    client_at = clock() + client_offset if client_offset is not None else clock()
    entries.submit(session, participant, day, full_answers(participant, day),
                   entries.Author(participant, Originator.PARTICIPANT),
                   f"{participant.id}tok{day:%m%d}{n}".ljust(20, "x"), clock(),
                   client_at=client_at)
    session.commit()


def test_odd_entries_are_highlighted(client, session, login_as, world, clock):
    ok = world.ours
    _send(session, ok, date(2026, 3, 9), clock, "2026-03-09T20:15:00+08:00")
    night = make_participant(session, world.xw, study_code="XW-002")
    _send(session, night, date(2026, 3, 9), clock, "2026-03-10T03:10:00+08:00")
    skewed = make_participant(session, world.xw, study_code="XW-003")
    _send(session, skewed, date(2026, 3, 9), clock, "2026-03-09T21:00:00+08:00",
          client_offset=timedelta(hours=-3))
    burst = make_participant(session, world.xw, study_code="XW-004",
                             diary_start_date=date(2026, 3, 1))
    # Staff back-fill three days within minutes (windows already closed for participants).
    from diary.services.diary import corrections

    for n, day in enumerate((date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 7))):
        clock.set(f"2026-03-10T10:0{n}:00+08:00")
        corrections.staff_entry(session, burst, day, full_answers(burst, day), world.admin,
                                "paper", clock())
    session.commit()
    login_as(world.investigator)
    page = client.get("/staff/audit").get_data(as_text=True)
    assert page.count('class="odd-entry"') == 5
    assert "Sent at an unusual local hour</span>" in page
    assert "Phone clock far from the server&#39;s</span>" in page or \
        "Phone clock far from the server's</span>" in page
    assert "Several diary days sent within minutes</span>" in page
    only = client.get("/staff/audit?participant=xw-002").get_data(as_text=True)
    assert only.count('class="odd-entry"') == 1
    assert "XW-003" not in only
    by_actor = client.get(f"/staff/audit?actor=staff:{world.admin.id}").get_data(as_text=True)
    assert by_actor.count('data-action="entry.create"') == 3
    period = client.get("/staff/audit?since=2026-03-10&until=2026-03-10").get_data(
        as_text=True)
    assert "XW-001" not in period
    assert "XW-002" in period
    bad = client.get("/staff/audit?since=yesterday")
    assert bad.status_code == 200
    assert "Use the form YYYY-MM-DD" in bad.get_data(as_text=True)


def test_coordinator_cannot_open_the_audit_review(client, login_as, world):
    login_as(world.coordinator)
    assert client.get("/staff/audit").status_code == 403


def _who(page: str) -> dict[str, set[str]]:
    """The Who column of each row, by action."""
    import re

    found: dict[str, set[str]] = {}
    for who, action in re.findall(r'<td data-label="[^"]+">([^<]*)</td>\s*'
                                  r'<td data-label="[^"]+" data-action="([^"]+)"', page):
        found.setdefault(action, set()).add(who)
    return found


def test_who_column_names_the_actor_in_the_readers_language(client, session, login_as, world,
                                                            clock):
    from diary.services import audit

    audit.record(session, clock(), "sign_in", world.carer, participant=world.ours)
    audit.record(session, clock(), "entry.missed", None, participant=world.ours)
    audit.record(session, clock(), "sign_out", world.ours, participant=world.ours)
    session.commit()
    login_as(world.investigator)
    english = _who(client.get("/staff/audit").get_data(as_text=True))
    assert english["entry.missed"] == {"System"}
    assert english["sign_out"] == {"XW-001"}
    assert english["sign_in"] == {"Caregiver of XW-001", world.investigator.email}
    login_as(world.investigator, locale="zh")
    chinese = _who(client.get("/staff/audit").get_data(as_text=True))
    assert "XW-001的照护者" in chinese["sign_in"]
    assert not any("caregiver of" in who or who == "system"
                   for names in chinese.values() for who in names)

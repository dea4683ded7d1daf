"""Compliance and missed streaks on hand-built histories, as the dashboard shows them."""

from datetime import date, timedelta

import pytest

from diary.models import Flag, FlagKind, ParticipantStatus
from diary.rules.deployment import Rules
from diary.services.reporting import compliance, dashboard
from tests.support.factories import make_participant
from tests.support.staff import add_days

START = date(2026, 3, 1)  # the clock's local today is 2026-03-10; days up to 03-09 are closed


def _board(session, staff, clock, **kw):
    return dashboard.build(session, staff, clock(), Rules(), **kw)


@pytest.mark.parametrize(("history", "numbers"), [
    # on time, late, missed, excused; rate, on-time rate, last-7-days rate (from 03-03), streak
    ("olme..omm", (2, 1, 3, 1, 3 / 6, 2 / 6, 1 / 4, 2)),
    ("ooooooooo", (9, 0, 0, 0, 1.0, 1.0, 1.0, 0)),
    ("mmmmmmmmm", (0, 0, 9, 0, 0.0, 0.0, 0.0, 9)),
    ("ommemmmem", (1, 0, 6, 2, 1 / 7, 1 / 7, 0.0, 6)),
    ("oll......", (1, 2, 0, 0, 1.0, 1 / 3, 1.0, 0)),
    ("ol.......", (1, 1, 0, 0, 1.0, 1 / 2, None, 0)),
    ("", (0, 0, 0, 0, None, None, None, 0)),
])
def test_compliance_numbers_on_hand_built_histories(session, world, clock, history, numbers):
    add_days(session, world.ours, history, START)
    session.commit()
    c = compliance.summarize(session, [world.ours.id], date(2026, 3, 3)).get(
        world.ours.id, compliance.Compliance())
    on_time, late, missed, excused, rate, on_time_rate, recent, streak = numbers
    assert (c.on_time, c.late, c.missed, c.excused) == (on_time, late, missed, excused)
    assert (c.rate, c.on_time_rate, c.recent_rate) == (rate, on_time_rate, recent)
    (row,) = [r for r in _board(session, world.admin, clock).rows
              if r.participant_id == world.ours.id]
    assert (row.rate, row.on_time_rate, row.recent_rate, row.streak) == (
        rate, on_time_rate, recent, streak)


def test_paused_days_do_not_count(session, world, clock):
    # Paused from 03-03 to 03-06: the scheduler writes no missed rows for those days.
    add_days(session, world.ours, "oo....mo", START)
    session.commit()
    c = compliance.summarize(session, [world.ours.id], date(2026, 3, 3))[world.ours.id]
    assert (c.expected, c.rate) == (4, 3 / 4)


def test_dashboard_sorts_by_need_and_counts(session, world, clock):
    site = world.xw
    calm = world.ours
    add_days(session, calm, "ooooooooo", START)
    slipping = make_participant(session, site, study_code="XW-010")
    add_days(session, slipping, "ooooooomm", START)
    worse = make_participant(session, site, study_code="XW-011")
    add_days(session, worse, "ooooommmm", START)
    low = make_participant(session, site, study_code="XW-012")
    add_days(session, low, "mmmmmmmmo", START)
    alarmed = make_participant(session, site, study_code="XW-013")
    add_days(session, alarmed, "ooooooooo", START)
    late_flag = make_participant(session, site, study_code="XW-014")
    add_days(session, late_flag, "ooooooooo", START)
    add_days(session, late_flag, "o", date(2026, 3, 10))
    paused = make_participant(session, site, study_code="XW-015",
                              status=ParticipantStatus.PAUSED)
    now = clock()
    session.add_all([
        Flag(participant_id=alarmed.id, kind=FlagKind.SAFETY_URGENT, dedupe_key="u",
             opened_at=now, due_at=now + timedelta(hours=1)),
        Flag(participant_id=late_flag.id, kind=FlagKind.MISSED_STREAK, dedupe_key="m",
             opened_at=now, due_at=now - timedelta(hours=1))])
    session.commit()
    board = _board(session, world.coordinator, clock)
    assert [r.study_code for r in board.rows] == [
        "XW-013", "XW-014", "XW-011", "XW-010", "XW-012", "XW-001"]
    assert (board.active, board.done_today, board.missed_yesterday) == (6, 1, 2)
    assert board.open_flags == {"safety_urgent": 1, "missed_streak": 1}
    assert board.rows[1].overdue == 1
    assert board.rows[1].today_status == "on_time"
    assert board.rows[0].today_status == "open"
    everyone = _board(session, world.coordinator, clock, status="all")
    assert "XW-015" in [r.study_code for r in everyone.rows]
    assert paused.id not in [r.participant_id for r in board.rows]
    pages = _board(session, world.coordinator, clock, per_page=4, page=2)
    assert (pages.pages, [r.study_code for r in pages.rows]) == (2, ["XW-012", "XW-001"])


def test_dashboard_page_shows_the_columns(client, session, login_as, world, clock):
    add_days(session, world.ours, "oolmm", START + timedelta(days=4))
    session.commit()
    login_as(world.coordinator)
    page = client.get("/staff/").get_data(as_text=True)
    assert "XW-001" in page
    assert "BJ-001" not in page
    assert "60 %" in page  # overall: 3 of 5
    assert '<strong class="low">2</strong>' in page  # missed in a row
    filtered = client.get(f"/staff/?site={world.bj.id}&status=nonsense").get_data(as_text=True)
    assert "XW-001" in filtered  # a site that is not theirs is ignored, not an error


def test_a_dashboard_row_follows_its_participant_between_requests(client, session, login_as,
                                                                   world, clock):
    """Rows are drawn once per look: a new day or another language draws the row again."""
    login_as(world.coordinator)
    before = client.get("/staff/").get_data(as_text=True)
    assert '<strong class="low">' not in before
    add_days(session, world.ours, "oolmm", START + timedelta(days=4))
    session.commit()
    after = client.get("/staff/").get_data(as_text=True)
    assert "60 %" in after
    assert '<strong class="low">2</strong>' in after
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    chinese = client.get("/staff/").get_data(as_text=True)
    assert "60 %" in chinese
    rows = [page[page.index("<tbody>"):page.index("</tbody>")] for page in (after, chinese)]
    assert rows[0].count("<tr") == rows[1].count("<tr")
    assert "Missed in a row" in rows[0]
    assert "Missed in a row" not in rows[1]


def test_dashboards_of_different_scopes_share_statements_never_rows(session, world, clock):
    """The statements are built once per shape of scope; each staff member's own sites (and
    the site chosen) come in as values, one board after another in the same process."""
    from diary.services.people import scope
    from tests.support.factories import make_staff

    theirs = make_staff(session, "coordinator", [world.bj])
    session.commit()
    codes = lambda staff, **kw: {r.study_code for r in _board(session, staff, clock, **kw).rows}  # noqa: E731
    assert codes(world.coordinator) == {"XW-001"}
    assert codes(theirs) == {"BJ-001"}
    assert codes(world.admin) == {"XW-001", "BJ-001"}
    assert codes(world.admin, site_id=world.bj.id) == {"BJ-001"}
    assert codes(world.coordinator, site_id=world.bj.id) == set()  # not theirs: nobody
    assert [s.code for s in scope.visible_sites(session, theirs)] == ["BJ"]
    # The pick lists: the same sites, as plain rows, one after another in the same process.
    assert [(s.id, s.code) for s in scope.site_choices(session, theirs)] == [(world.bj.id, "BJ")]
    assert [s.code for s in scope.site_choices(session, world.coordinator)] == ["XW"]
    assert [s.code for s in scope.site_choices(session, world.admin)] == ["BJ", "XW"]
    (ours, _), (their_reach, _) = scope.Reach.of(world.coordinator), scope.Reach.of(theirs)
    assert dashboard._everyone(ours, "sqlite") is dashboard._everyone(their_reach, "sqlite")

"""One setting for "recent compliance": flags, dashboard and participant page agree."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from diary.models import Flag, FlagKind
from diary.rules.deployment import Rules
from diary.services.reporting import dashboard, participant_page
from diary.services.tick import closing
from diary.web import deployment
from tests.support.factories import make_participant, make_staff
from tests.support.staff import add_days

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # noon on 10 March in Beijing


@pytest.fixture
def slipping(session):
    """Four days on time, then the last three closed days missed (7–9 March)."""
    p = make_participant(session, diary_start_date=date(2026, 3, 3))
    add_days(session, p, "oooommm", date(2026, 3, 3))
    session.commit()
    return p


@pytest.mark.parametrize(("days", "rate"), [(3, 0.0), (7, 4 / 7)])
def test_flags_dashboard_and_participant_page_read_one_recent_period(app, session, slipping,
                                                                      days, rate):
    app.config.update(DIARY_COMPLIANCE_RECENT_DAYS=days, DIARY_COMPLIANCE_MIN_DAYS=3)
    deployment.init_app(app)  # the rules are built once from the settings, as at start-up
    rules = app.extensions[deployment.KEY]
    assert rules.recent_days == days
    staff = make_staff(session, "admin")
    session.commit()

    board = dashboard.build(session, staff, NOW, rules)
    row = next(r for r in board.rows if r.participant_id == slipping.id)
    page = participant_page.build(session, slipping, NOW, rules)
    closing.open_flags(session, {slipping.id: date(2026, 3, 9)}, NOW, rules)
    flag = session.scalar(select(Flag).where(Flag.kind == FlagKind.LOW_COMPLIANCE))

    assert row.recent_rate == pytest.approx(rate)
    assert page.summary.recent_rate == pytest.approx(rate)
    answered = round(rate * days)
    assert flag.detail == f"recent:{answered}/{days}"


def test_the_default_rules_use_the_documented_week():
    assert Rules().recent_days == 7

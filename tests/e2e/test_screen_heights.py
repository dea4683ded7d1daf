"""Every diary screen fits in three phone screens (1,920 px at 360×640) in Chinese."""

from datetime import UTC, date, datetime

import pytest

from diary.extensions import db
from diary.models import Draft
from tests.e2e.conftest import shoot
from tests.e2e.test_phone import sign_in
from tests.support.factories import make_participant
from tests.web.participant.test_diary_flow import seed_yesterday, stable_day_answers

LIMIT = 1920
SCREENS = ("who", "warning", "symptoms", "events", "function", "rehab", "medicines", "devices",
           "infusion", "review")


def longest_day() -> dict[str, str]:
    """A day with every follow-up question shown: a fall, every therapy, a new medicine."""
    answers = {"R1": "participant", **{f"RF{n}": "no" for n in range(1, 13)},
               **stable_day_answers()}
    answers.update({"E1": "yes", "E1_COUNT": "1", "E1_INJURY": "bruise", "E1_HEAD": "no",
                    "E2": "37.2", "M2": "yes", "M2_DRUGS": "aspirin,other",
                    "M2_OTHER": "维生素B12", "D2": "afo,splint,sling,shower_chair"})
    answers.update({f"T2_{t}": "15_30" for t in ("PT", "OT", "ST", "ACU", "TUINA", "HOME",
                                                  "OTHER")})
    return answers


def stable_day() -> dict[str, str]:
    return {"R1": "participant", **{f"RF{n}": "no" for n in range(1, 13)},
            **stable_day_answers()}


@pytest.mark.parametrize("filled", ["empty", "stable", "longest"])
def test_every_diary_screen_is_at_most_three_screens_tall_in_chinese(live, phone, clock, filled):
    base, app = live
    clock.set("2026-03-10T20:30:00+08:00")
    with app.app_context():
        p = make_participant(db.session, phone="+8613800000001", locale="zh",
                             infusions=[date(2026, 3, 8)] if filled != "stable" else [],
                             medicines=["aspirin", "atorvastatin"])
        seed_yesterday(db.session, p)
        answers = {"empty": {}, "stable": stable_day(), "longest": longest_day()}[filled]
        if answers:
            db.session.add(Draft(participant_id=p.id, diary_date=date(2026, 3, 10),
                                 answers=answers, updated_at=datetime.now(UTC)))
        db.session.commit()
    sign_in(phone, base, [])
    heights = {}
    for name in SCREENS:
        if name == "review" and filled == "empty" or name == "infusion" and filled == "stable":
            continue  # nothing to check yet; no infusion that day
        phone.goto(f"{base}/diary/2026-03-10/{name}")
        heights[name] = phone.evaluate("document.documentElement.scrollHeight")
        shoot(phone, f"h-{name}-{filled}-zh", full=True)
    print(heights)
    assert phone.errors == []
    assert {k: h for k, h in heights.items() if h > LIMIT} == {}

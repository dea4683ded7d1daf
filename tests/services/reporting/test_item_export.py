"""The fast item-level CSV writes the very text the general CSV writer makes of its rows."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from diary.models import Answer, DayStatus, DiaryEntry, Originator, Participant, Site
from diary.services.people import scope
from diary.services.reporting import exports, item_export
from tests.support.factories import make_participant, make_site, make_staff

HOSTILE = ["=1+1", "+cmd", "-2", "@SUM(1)", "\ttab", "\rcr", 'say "hi", then\nleave', "中文，逗号",
           "plain", "", " spaced ", "a;b"]


def _reference(session, staff, site_id=None):
    """The export as it was: ORM rows, every cell through the general writer."""
    query = (select(Participant.study_code, Site.code, DiaryEntry.diary_date, Answer.item_id,
                    Answer.value, DiaryEntry.originator, DiaryEntry.instrument_version,
                    DiaryEntry.first_submitted_at, DiaryEntry.status, DiaryEntry.staff_entered)
             .join(DiaryEntry, DiaryEntry.id == Answer.entry_id)
             .join(Participant, Participant.id == DiaryEntry.participant_id)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.id.in_(scope.participant_ids(staff, site_id)))
             .order_by(Participant.study_code, DiaryEntry.diary_date, Answer.item_id))
    rows = [(*r[:8], DayStatus(r[8]) == DayStatus.LATE, r[9]) for r in session.execute(query)]
    return "".join(exports.to_csv(exports.ITEM_HEADER, rows))


@pytest.fixture
def answered(session):
    """Days of three participants on two sites, with every awkward value a cell can hold."""
    xw, bj = make_site(session, "XW"), make_site(session, "BJ")
    people = [make_participant(session, xw, study_code="XW-002"),
              make_participant(session, xw, study_code="=XW-001"),
              make_participant(session, bj, study_code="BJ-001")]
    kinds = [(DayStatus.ON_TIME, Originator.PARTICIPANT, "1.0", False),
             (DayStatus.LATE, Originator.CAREGIVER, None, True),
             (DayStatus.ON_TIME, None, "-1", False)]
    for n, person in enumerate(people):
        for k, (status, origin, version, by_staff) in enumerate(kinds):
            at = datetime(2026, 3, 1 + k, 13, 5, 7, 123456, tzinfo=UTC) if k != 2 else None
            entry = DiaryEntry(participant_id=person.id, diary_date=date(2026, 3, 1 + k),
                               status=status, originator=origin, instrument_version=version,
                               staff_entered=by_staff, first_submitted_at=at,
                               last_submitted_at=at, created_at=datetime(2026, 3, 1, tzinfo=UTC))
            session.add(entry)
            session.flush()
            for i, value in enumerate(HOSTILE[n + k:] + HOSTILE[:n + k]):
                session.add(Answer(entry_id=entry.id, item_id=f"S{i}" if i % 5 else f"=I{i}",
                                   value=value))
    staff = {"admin": make_staff(session, "admin"), "xw": make_staff(session, "coordinator", [xw])}
    session.commit()
    return staff, xw


@pytest.mark.parametrize("batch", [1, 7, 5000])
def test_the_fast_export_writes_the_same_text_as_the_general_writer(session, answered,
                                                                    monkeypatch, batch):
    monkeypatch.setattr(item_export, "BATCH", batch)
    staff, xw = answered
    for viewer, site in ((staff["admin"], None), (staff["xw"], None), (staff["admin"], xw.id)):
        expected = _reference(session, viewer, site)
        written = "".join(item_export.csv_chunks(session, scope.Viewer.of(viewer), site))
        assert written == expected
        assert written.count("\r\n") > 1


def test_an_empty_scope_is_the_header_alone(session):
    staff = make_staff(session, "coordinator")
    session.commit()
    written = "".join(item_export.csv_chunks(session, scope.Viewer.of(staff)))
    assert written == "".join(exports.to_csv(exports.ITEM_HEADER, []))

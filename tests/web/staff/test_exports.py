"""Exports read back: CSV parsed, ODM parsed as XML; site-scoped, audited, study codes only."""

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import func, select

from diary.models import Answer, AuditEvent, DiaryEntry, Originator, Participant
from diary.rules import instrument
from diary.services.diary import corrections, entries
from tests.support.staff import add_days, full_answers
from tests.web.staff.conftest import token

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


@pytest.fixture
def history(session, world, clock):
    """Two answered days (one later corrected by staff), a missed and an excused day, per site."""
    for participant in (world.ours, world.theirs):
        for n, day in enumerate((date(2026, 3, 8), date(2026, 3, 9))):
            clock.set(f"{day.isoformat()}T21:00:00+08:00" if n == 0 else
                      "2026-03-10T08:00:00+08:00")  # the second one is late
            entries.submit(session, participant, day, full_answers(participant, day),
                           entries.Author(participant, Originator.PARTICIPANT),
                           f"tok{participant.id}x{n}".ljust(20, "0"), clock())
        add_days(session, participant, "m", date(2026, 3, 6))
        corrections.excuse_day(session, participant, date(2026, 3, 7), world.admin,
                               "In hospital", clock())
    clock.set("2026-03-10T12:00:00+08:00")
    corrections.staff_entry(session, world.ours, date(2026, 3, 8),
                            {**full_answers(world.ours, date(2026, 3, 8)), "S1": "2"},
                            world.coordinator, "Paper diary checked", clock())
    session.commit()
    return world


def download(client, url):
    """Press an export button: a POST with the exports page's CSRF token."""
    return client.post(url, data={"csrf_token": token(client, "/staff/exports")})


def _csv(client, url):
    response = download(client, url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text))), text


def _private(world) -> list[str]:
    values = []
    for account in (world.ours, world.theirs, world.carer, world.their_carer):
        values += [account.phone, account.phone[3:], account.secret_hash]
    return values + [world.carer.name, world.coordinator.email, world.admin.email]


def test_item_export_is_long_format_and_site_scoped(client, session, login_as, history):
    login_as(history.coordinator)
    rows, text = _csv(client, "/staff/exports/items.csv")
    ours = session.scalar(select(func.count()).select_from(Answer).join(DiaryEntry).where(
        DiaryEntry.participant_id == history.ours.id))
    assert len(rows) == ours
    assert list(rows[0]) == ["study_code", "site", "diary_date", "item_id", "value",
                             "originator", "instrument_version", "submitted_at_utc", "late",
                             "staff_entered"]
    assert {r["study_code"] for r in rows} == {"XW-001"}
    s1 = {(r["diary_date"], r["item_id"]): r for r in rows}
    assert s1[("2026-03-08", "S1")]["value"] == "2"
    assert s1[("2026-03-08", "S1")]["staff_entered"] == "1"
    assert s1[("2026-03-09", "S1")]["late"] == "1"
    assert s1[("2026-03-08", "S1")]["late"] == "0"
    assert s1[("2026-03-08", "S1")]["submitted_at_utc"] == "2026-03-08T13:00:00Z"
    assert not any(value in text for value in _private(history))
    assert download(client, f"/staff/exports/items.csv?site={history.bj.id}").status_code == 404


def test_day_compliance_audit_and_dictionary_exports(client, session, login_as, history):
    login_as(history.admin)
    days, text = _csv(client, "/staff/exports/days.csv")
    assert len(days) == 8  # four days at each of two sites
    assert set(instrument.ITEMS) <= set(days[0])
    by_key = {(d["study_code"], d["diary_date"]): d for d in days}
    assert by_key[("XW-001", "2026-03-07")]["status"] == "excused"
    assert by_key[("XW-001", "2026-03-07")]["reason"] == "In hospital"
    assert by_key[("XW-001", "2026-03-06")]["S1"] == ""
    assert by_key[("BJ-001", "2026-03-09")]["late"] == "1"
    summary, _ = _csv(client, f"/staff/exports/compliance.csv?site={history.xw.id}")
    assert [(r["study_code"], r["on_time"], r["late"], r["missed"], r["excused"],
             r["compliance"]) for r in summary] == [("XW-001", "1", "1", "1", "1", "0.667")]
    trail, trail_text = _csv(client, "/staff/exports/audit.csv")
    assert {"entry.create", "entry.amend", "entry.excuse"} <= {r["action"] for r in trail}
    assert all(not r["actor"].count("@") for r in trail)
    dictionary, dict_text = _csv(client, "/staff/exports/dictionary.csv")
    assert len(dictionary) == len(instrument.ITEMS)
    rf1 = next(r for r in dictionary if r["item_id"] == "RF1")
    assert rf1["codes"] == "yes|no"
    assert rf1["label_en"] == "Sudden loss of balance or trouble walking"
    assert rf1["label_zh"]
    for body in (text, trail_text, dict_text):
        assert not any(value in body for value in _private(history))
    exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [e.target for e in exports] == ["days.csv", "compliance.csv", "audit.csv",
                                           "dictionary.csv"]


def test_odm_export_has_metadata_clinical_data_and_audit_records(client, session, login_as,
                                                                 history):
    login_as(history.coordinator)
    response = download(client, "/staff/exports/odm.xml")
    assert response.status_code == 200
    body = response.get_data()
    assert not any(value.encode() in body for value in _private(history))
    root = ET.fromstring(body)  # noqa: S314 - our own output
    assert root.tag == f"{ODM}ODM"
    assert root.get("ODMVersion") == "1.3.2"
    mdv = root.find(f"{ODM}Study/{ODM}MetaDataVersion")
    item_defs = mdv.findall(f"{ODM}ItemDef")
    assert len(item_defs) == len(instrument.ITEMS) + 5
    assert len(mdv.findall(f"{ODM}ItemGroupDef")) == len(instrument.SECTIONS) + 1
    refs = {r.get("CodeListOID") for r in mdv.iter(f"{ODM}CodeListRef")}
    assert refs == {c.get("OID") for c in mdv.findall(f"{ODM}CodeList")}
    question = next(d for d in item_defs if d.get("OID") == "I.RF1").find(f"{ODM}Question")
    assert {t.get("{http://www.w3.org/XML/1998/namespace}lang")
            for t in question} == {"en", "zh"}
    (subject,) = root.findall(f"{ODM}ClinicalData/{ODM}SubjectData")
    assert subject.get("SubjectKey") == "XW-001"
    assert subject.find(f"{ODM}SiteRef").get("LocationOID") == "LOC.XW"
    events = subject.findall(f"{ODM}StudyEventData")
    assert [e.get("StudyEventRepeatKey") for e in events] == [
        "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09"]
    values = [i for i in events[2].iter(f"{ODM}ItemData")]
    answers = session.scalar(select(func.count()).select_from(Answer).join(DiaryEntry).where(
        DiaryEntry.participant_id == history.ours.id,
        DiaryEntry.diary_date == date(2026, 3, 8)))
    assert len(values) == answers + 5
    s1 = next(i for i in values if i.get("ItemOID") == "I.S1")
    assert s1.get("Value") == "2"
    assert s1.find(f"{ODM}AuditRecord/{ODM}ReasonForChange").text == "Paper diary checked"
    users = {u.get("OID") for u in root.iter(f"{ODM}User")}
    assert {r.get("UserOID") for r in root.iter(f"{ODM}UserRef")} <= users
    assert f"USR.S.{history.coordinator.id}" in users
    assert "USR.P.XW-001" in users
    assert session.scalar(select(AuditEvent).where(AuditEvent.target == "odm.xml")) is not None


def test_export_of_an_empty_study_is_still_well_formed(client, session, login_as, world):
    session.query(Participant).count()
    login_as(world.coordinator)
    root = ET.fromstring(download(client, "/staff/exports/odm.xml").get_data())  # noqa: S314 - our own output
    assert len(root.findall(f"{ODM}ClinicalData/{ODM}SubjectData")) == 1
    rows, _ = _csv(client, "/staff/exports/items.csv")
    assert rows == []


def _remove_d2(session, history, clock) -> None:
    """A second correction of 8 March takes back the optional device answer."""
    day = date(2026, 3, 8)
    answers = {**full_answers(history.ours, day), "S1": "2"}
    del answers["D2"]
    clock.set("2026-03-10T14:00:00+08:00")
    corrections.staff_entry(session, history.ours, day, answers, history.coordinator,
                            "No device that day", clock())
    session.commit()


def test_revision_export_has_old_and_new_values_and_is_site_scoped(client, session, login_as,
                                                                   history, clock):
    _remove_d2(session, history, clock)
    login_as(history.coordinator)
    rows, text = _csv(client, "/staff/exports/revisions.csv")
    assert list(rows[0]) == ["study_code", "site", "diary_date", "item_id", "old_value",
                             "new_value", "changed_at_utc", "actor_type", "originator", "reason"]
    assert [tuple(r.values()) for r in rows] == [
        ("XW-001", "XW", "2026-03-08", "S1", "0", "2", "2026-03-10T04:00:00Z", "staff", "staff",
         "Paper diary checked"),
        ("XW-001", "XW", "2026-03-08", "D2", "afo", "", "2026-03-10T06:00:00Z", "staff", "staff",
         "No device that day")]
    assert not any(value in text for value in _private(history))
    assert download(client, f"/staff/exports/revisions.csv?site={history.bj.id}").status_code == 404
    assert session.scalar(select(AuditEvent).where(AuditEvent.target == "revisions.csv"))
    assert "/staff/exports/revisions.csv" in client.get("/staff/exports").get_data(as_text=True)


def test_odm_keeps_a_removed_answer_as_a_null_item_with_its_audit_record(client, session,
                                                                         login_as, history,
                                                                         clock):
    _remove_d2(session, history, clock)
    login_as(history.coordinator)
    root = ET.fromstring(download(client, "/staff/exports/odm.xml").get_data())  # noqa: S314 - our own output
    event = next(e for e in root.iter(f"{ODM}StudyEventData")
                 if e.get("StudyEventRepeatKey") == "2026-03-08")
    d2 = next(i for i in event.iter(f"{ODM}ItemData") if i.get("ItemOID") == "I.D2")
    assert (d2.get("IsNull"), d2.get("Value")) == ("Yes", None)
    assert d2.find(f"{ODM}AuditRecord/{ODM}ReasonForChange").text == "No device that day"

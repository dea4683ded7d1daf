"""Demo data: one site, staff, and twelve participants with six weeks of history."""

import random
import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from diary import crypto
from diary.models import (
    Answer,
    Caregiver,
    ClinicVisit,
    DayStatus,
    DiaryEntry,
    FlagKind,
    InfusionDate,
    Medication,
    Originator,
    Participant,
    ReminderRecipients,
    ReportingMode,
    Site,
    StaffRole,
    StaffUser,
    Submission,
)
from diary.rules import instrument, schedule
from diary.rules.instrument import is_shown
from diary.services.flags import opening

PARTICIPANT_PIN = "246810"
CAREGIVER_PIN = "135790"
LOGINS = (
    "participant XW-001: phone 13800000001, PIN 246810 (every demo participant has this PIN)",
    "caregiver of XW-002: phone 13800000102, PIN 135790",
    "coordinator: coordinator@example.org, password demo-coordinator-pw",
    "investigator: investigator@example.org, password demo-investigator-pw",
    "admin: admin@example.org, password demo-admin-password",
)
HISTORY_DAYS = 42
# How often each participant answered, and how many of the last days they let slip.
PROFILES = {1: (0.97, 0), 2: (0.92, 0), 3: (0.85, 3), 4: (0.55, 0), 5: (0.9, 0), 6: (0.8, 2),
            7: (0.98, 0), 8: (0.7, 0), 9: (0.95, 0), 10: (0.6, 4), 11: (0.9, 0), 12: (0.88, 1)}
BASELINE = {"S1": "2", "S2": "1", "S3": "1", "S4": "0", "S5": "1", "S6": "0", "S7": "1",
            "S7_WHERE": "shoulder", "S8": "1", "S9": "1", "S10": "0", "S11": "fair",
            "S12": "0", "S13": "0", "S14": "same", "E1": "no", "E2": "not_measured",
            "E3": "no", "F1": "independent", "F2": "independent", "F3": "some_help",
            "F4": "independent", "F5": "some_help", "F6": "independent", "F7": "some_help",
            "F7_WHEELCHAIR": "no", "F8": "much_help", "F9": "none", "F10": "none",
            "F11": "yes", "T1": "yes", "T2_PT": "31_60", "T2_HOME": "15_30", "T3": "outpatient",
            "M1": "all", "M2": "no", "D1": "cane", "D2": "afo", "I1": "36.8", "I2": "0",
            "I3": "0", "I4": "0", "I5": "0", "I6": "0", "I7": "0", "I8": "0"}


def seed(session: Session, now: datetime) -> bool:
    """Create the demo data unless it is already there; returns whether it was created."""
    if session.scalar(select(Site.id).where(Site.code == "XW")) is not None:
        return False
    site = Site(code="XW", name_en="Xuanwu Hospital", name_zh="宣武医院",
                timezone="Asia/Shanghai", on_call_phone="+8613800009999", created_at=now)
    session.add(site)
    for email, name, role, password in (
            ("coordinator@example.org", "Demo Coordinator", StaffRole.COORDINATOR,
             "demo-coordinator-pw"),
            ("investigator@example.org", "Demo Investigator", StaffRole.INVESTIGATOR,
             "demo-investigator-pw"),
            ("admin@example.org", "Demo Admin", StaffRole.ADMIN, "demo-admin-password")):
        staff = StaffUser(email=email, display_name=name, role=role, sites=[site],
                          created_at=now)
        staff.set_secret(password)
        session.add(staff)
    session.flush()
    rng = random.Random(20261126)  # noqa: S311 - demo data, not security
    today = schedule.local_today(now, site.timezone)
    pin_hash = _hash(PARTICIPANT_PIN)
    for n in range(1, 13):
        _participant(session, site, n, today, now, rng, pin_hash)
    return True


def _hash(secret: str) -> str:
    return crypto.hash_secret(secret)


def _participant(session, site, n, today, now, rng, pin_hash) -> None:
    phone = f"+86138000000{n:02d}"
    start = today - timedelta(days=HISTORY_DAYS)
    p = Participant(study_code=f"XW-{n:03d}", site=site, phone=phone,
                    phone_hash=crypto.lookup_hash(phone), secret_hash=pin_hash,
                    locale="en" if n == 9 else "zh", timezone=site.timezone,
                    reminder_time=time(20, 0) if n % 3 else time(19, 30),
                    reminder_recipients=ReminderRecipients.BOTH if n == 2
                    else ReminderRecipients.PARTICIPANT,
                    reporting_mode=ReportingMode.PROXY if n == 2 else ReportingMode.SELF,
                    diary_start_date=start, diary_end_date=start + timedelta(days=365),
                    created_at=now)
    session.add(p)
    session.flush()
    if n == 2:
        caregiver_phone = "+8613800000102"
        carer = Caregiver(participant_id=p.id, name="王丽", relationship_to="spouse",
                          phone=caregiver_phone, phone_hash=crypto.lookup_hash(caregiver_phone),
                          locale="zh", created_at=now)
        carer.set_secret(CAREGIVER_PIN)
        session.add(carer)
        session.flush()
    session.add(InfusionDate(participant_id=p.id, infusion_date=start + timedelta(days=3)))
    session.add(ClinicVisit(participant_id=p.id, visit_date=today + timedelta(days=n % 5 + 1),
                            label="随访"))
    session.add(Medication(participant_id=p.id, code="aspirin", dose="100", unit="mg",
                           frequency="qd", start_date=start))
    if n == 6:
        session.add(Medication(participant_id=p.id, code="warfarin", dose="3", unit="mg",
                               frequency="qd", start_date=start))
    _history(session, p, start, today, now, rng, *PROFILES[n])


def _history(session, p, start, today, now, rng, rate, slipping) -> None:
    for offset in range(HISTORY_DAYS):
        day = start + timedelta(days=offset)
        if day >= today:
            break
        if (today - day).days <= slipping or rng.random() > rate:
            continue  # left empty: closing the windows marks it missed, as the scheduler does
        late = rng.random() < 0.12
        local = datetime.combine(day + timedelta(days=1 if late else 0),
                                 time(9, 10) if late else time(20, rng.randint(5, 55)))
        at = schedule.local_at(local.date(), local.time(), p.timezone)
        _entry(session, p, day, at, late, rng)
    if p.study_code == "XW-005":
        entry = session.scalar(select(DiaryEntry).where(
            DiaryEntry.participant_id == p.id, DiaryEntry.diary_date == today - timedelta(days=2)))
        if entry is not None:
            session.execute(Answer.__table__.update().where(
                Answer.entry_id == entry.id, Answer.item_id == "RF4").values(value="yes"))
            entry.warning_sign = True
            opening.open_flag(session, p, FlagKind.SAFETY_URGENT,
                            opening.flag_key(FlagKind.SAFETY_URGENT, f"entry:{entry.id}", ["RF4"]),
                            entry.first_submitted_at, detail="RF4", entry=entry,
                            day=entry.diary_date)


def _entry(session, p, day, at, late, rng) -> None:
    originator = Originator.CAREGIVER if p.study_code == "XW-002" else Originator.PARTICIPANT
    entry = DiaryEntry(participant_id=p.id, diary_date=day,
                       status=DayStatus.LATE if late else DayStatus.ON_TIME,
                       originator=originator, instrument_version=instrument.VERSION,
                       first_submitted_at=at, last_submitted_at=at, client_submitted_at=at,
                       created_at=at)
    session.add(entry)
    session.flush()
    answers = {"R1": originator.value}
    infusions = [i.infusion_date for i in p.infusions]
    for sid, core in schedule.section_plan(day, p.diary_start_date, infusions,
                                           schedule.WindowRules()):
        for item in instrument.trim(instrument.BY_SECTION[sid], core).items:
            if item.id.startswith("RF"):
                answers[item.id] = "no"
            elif item.id in BASELINE and is_shown(item, answers):
                answers[item.id] = _vary(item.id, BASELINE[item.id], rng)
    for item_id, value in answers.items():
        session.add(Answer(entry_id=entry.id, item_id=item_id, value=value))
    actor = p.caregivers[0] if p.caregivers else p
    session.add(Submission(entry_id=entry.id, token=uuid.uuid4().hex, received_at=at,
                           client_at=at, originator=originator, actor_type=actor.kind,
                           actor_id=actor.id))


def _vary(item_id: str, value: str, rng: random.Random) -> str:
    if item_id in ("S5", "S9") and rng.random() < 0.2:
        return str(min(3, int(value) + 1))
    return value


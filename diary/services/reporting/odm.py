"""CDISC ODM 1.3.2: study metadata from the instrument, clinical data per participant and day."""

from collections.abc import Iterator
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from diary.models import (
    Answer,
    AnswerRevision,
    DiaryEntry,
    Participant,
    Site,
    Submission,
)
from diary.rules import instrument
from diary.rules.text import xml_safe
from diary.services.people import scope

NS = "http://www.cdisc.org/ns/odm/v1.3"
STUDY_OID = "ST.LC-MSC-IS25001"
MDV_OID = f"MDV.{instrument.VERSION}"
DAY_ITEMS = (("DAY_STATUS", "Day status", "on_time|late|missed|excused"),
             ("ORIGINATOR", "Who answered", "participant|participant_helped|caregiver|staff"),
             ("STAFF_ENTERED", "Entered by staff", "yes|no"),
             ("SUBMITTED_AT", "First submitted at (UTC)", ""),
             ("LATE", "Submitted after the diary day", "yes|no"))


def _a(**attrs) -> str:
    # Input refuses control characters; dropping them here too keeps older rows from breaking
    # the file for everyone.
    return "".join(f" {k}={quoteattr(xml_safe(str(v)))}" for k, v in attrs.items()
                   if v is not None)


def _utc(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(text) -> str:
    parts = []
    for lang in ("en", "zh"):
        with force_locale(lang):
            parts.append(f'<TranslatedText xml:lang="{lang}">{escape(str(text))}</TranslatedText>')
    return "".join(parts)


def document(session: Session, staff: scope.Viewer, now: datetime,
             site_id: int | None = None) -> Iterator[str]:
    """The ODM file as text chunks: metadata, admin data, then one chunk per participant."""
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<ODM xmlns="{NS}"' + _a(ODMVersion="1.3.2", FileType="Snapshot",
                                      FileOID=f"DIARY.{now.strftime('%Y%m%dT%H%M%SZ')}",
                                      CreationDateTime=_utc(now), Granularity="All",
                                      Originator="Diary", SourceSystem="Diary",
                                      SourceSystemVersion=instrument.VERSION) + ">\n")
    yield metadata()
    yield _admin(session, staff, site_id, now)
    yield f"<ClinicalData{_a(StudyOID=STUDY_OID, MetaDataVersionOID=MDV_OID)}>\n"
    query = (select(Participant.id, Participant.study_code, Site.code)
             .join(Site, Site.id == Participant.site_id)
             .where(Participant.id.in_(scope.participant_ids(staff, site_id)))
             .order_by(Participant.study_code))
    for pid, code, site in session.execute(query).all():
        yield _subject(session, pid, code, site)
    yield "</ClinicalData>\n</ODM>\n"


def metadata() -> str:
    """Study, MetaDataVersion: one repeating event per diary day, one form, a group a section."""
    out = [f"<Study{_a(OID=STUDY_OID)}><GlobalVariables><StudyName>LC-MSC-IS25001</StudyName>"
           "<StudyDescription>Daily symptom, function and rehabilitation diary</StudyDescription>"
           "<ProtocolName>LC-MSC-IS25001</ProtocolName></GlobalVariables>",
           f"<MetaDataVersion{_a(OID=MDV_OID, Name=f'Diary instrument {instrument.VERSION}')}>",
           '<Protocol><StudyEventRef StudyEventOID="SE.DIARY" OrderNumber="1" Mandatory="No"/>'
           "</Protocol>",
           '<StudyEventDef OID="SE.DIARY" Name="Diary day" Repeating="Yes" Type="Common">'
           '<FormRef FormOID="F.DIARY" OrderNumber="1" Mandatory="Yes"/></StudyEventDef>',
           '<FormDef OID="F.DIARY" Name="Daily diary" Repeating="No">'
           '<ItemGroupRef ItemGroupOID="IG.DAY" OrderNumber="1" Mandatory="Yes"/>']
    for n, section in enumerate(instrument.SECTIONS, 2):
        out.append(f'<ItemGroupRef{_a(ItemGroupOID=f"IG.{section.id.upper()}", OrderNumber=n)}'
                   ' Mandatory="No"/>')
    out.append("</FormDef>")
    out.append('<ItemGroupDef OID="IG.DAY" Name="Diary day" Repeating="No">'
               + "".join(f'<ItemRef ItemOID="I.{oid}" Mandatory="No"/>' for oid, *_ in DAY_ITEMS)
               + "</ItemGroupDef>")
    for section in instrument.SECTIONS:
        with force_locale("en"):
            name = str(section.title)
        out.append(f'<ItemGroupDef{_a(OID=f"IG.{section.id.upper()}", Name=name)}'
                   ' Repeating="No">' + "".join(
                       f'<ItemRef{_a(ItemOID=f"I.{i.id}", Mandatory="Yes" if i.required else "No")}'
                       "/>" for i in section.items) + "</ItemGroupDef>")
    out += [f'<ItemDef{_a(OID=f"I.{oid}", Name=name, DataType="text")}>'
            + (f'<CodeListRef CodeListOID="CL.{oid}"/>' if codes else "") + "</ItemDef>"
            for oid, name, codes in DAY_ITEMS]
    out += [_item_def(item) for item in instrument.ITEMS.values()]
    out += [f'<CodeList{_a(OID=f"CL.{oid}", Name=name, DataType="text")}>' + "".join(
        f"<CodeListItem{_a(CodedValue=c)}><Decode>"
        f'<TranslatedText xml:lang="en">{escape(c)}</TranslatedText></Decode></CodeListItem>'
        for c in codes.split("|")) + "</CodeList>" for oid, name, codes in DAY_ITEMS if codes]
    out += [_code_list(item) for item in instrument.ITEMS.values() if _coded(item)]
    out.append("</MetaDataVersion></Study>\n")
    return "".join(out)


def _coded(item) -> bool:
    return bool(item.choices) and item.kind != "multi"


def _item_def(item) -> str:
    kind = "integer" if item.kind == "count" else "text"
    note = {"multi": "Codes separated by commas.",
            "temperature": "Degrees Celsius with one decimal, or not_measured."}.get(item.kind)
    body = (f'<Description><TranslatedText xml:lang="en">{note}</TranslatedText></Description>'
            if note else "")
    body += f"<Question>{_text(item.label)}</Question>"
    if _coded(item):
        body += f'<CodeListRef CodeListOID="CL.{item.id}"/>'
    return f'<ItemDef{_a(OID=f"I.{item.id}", Name=item.id, DataType=kind)}>{body}</ItemDef>'


def _code_list(item) -> str:
    return (f'<CodeList{_a(OID=f"CL.{item.id}", Name=item.id, DataType="text")}>' + "".join(
        f"<CodeListItem{_a(CodedValue=c.code)}><Decode>{_text(c.label)}</Decode></CodeListItem>"
        for c in item.choices) + "</CodeList>")


def _user_oid(actor_type: str, actor_id: int, codes: dict[int, str]) -> str:
    if actor_type == "participant":
        return f"USR.P.{codes.get(actor_id, actor_id)}"
    return f"USR.{'C' if actor_type == 'caregiver' else 'S'}.{actor_id}"


def _admin(session, staff, site_id, now) -> str:
    in_scope = scope.participant_ids(staff, site_id)
    actors = session.execute(
        select(Submission.actor_type, Submission.actor_id).distinct()
        .join(DiaryEntry, DiaryEntry.id == Submission.entry_id)
        .where(DiaryEntry.participant_id.in_(in_scope))).all()
    codes = dict(session.execute(select(Participant.id, Participant.study_code)
                                 .where(Participant.id.in_(
                                     [i for t, i in actors if t == "participant"]))).all())
    kinds = {"staff": "Investigator", "participant": "Other", "caregiver": "Other"}
    users = "".join(f"<User{_a(OID=_user_oid(t, i, codes), UserType=kinds.get(t, 'Other'))}/>"
                    for t, i in sorted(set(actors)))
    sites = session.scalars(select(Site).where(Site.id.in_(scope.site_ids(staff)))
                            .order_by(Site.code))
    locations = "".join(
        f'<Location{_a(OID=f"LOC.{s.code}", Name=s.code, LocationType="Site")}>'
        f"<MetaDataVersionRef{_a(StudyOID=STUDY_OID, MetaDataVersionOID=MDV_OID)}"
        f"{_a(EffectiveDate=s.created_at.date().isoformat())}/></Location>"
        for s in sites if site_id is None or s.id == site_id)
    return f"<AdminData{_a(StudyOID=STUDY_OID)}>{users}{locations}</AdminData>\n"


def _subject(session, pid: int, code: str, site: str) -> str:
    entries = list(session.scalars(select(DiaryEntry).where(DiaryEntry.participant_id == pid)
                                   .order_by(DiaryEntry.diary_date)))
    answers: dict[int, dict[str, str]] = {}
    for entry_id, item_id, value in session.execute(
            select(Answer.entry_id, Answer.item_id, Answer.value)
            .join(DiaryEntry, DiaryEntry.id == Answer.entry_id)
            .where(DiaryEntry.participant_id == pid)):
        answers.setdefault(entry_id, {})[item_id] = value
    subs = {s.id: s for s in session.scalars(
        select(Submission).join(DiaryEntry, DiaryEntry.id == Submission.entry_id)
        .where(DiaryEntry.participant_id == pid).order_by(Submission.received_at))}
    last_sub = {s.entry_id: s for s in subs.values()}
    revised: dict[tuple[int, str], Submission] = {}
    for rev in session.scalars(select(AnswerRevision).join(
            DiaryEntry, DiaryEntry.id == AnswerRevision.entry_id)
            .where(DiaryEntry.participant_id == pid).order_by(AnswerRevision.id)):
        revised[(rev.entry_id, rev.item_id)] = subs[rev.submission_id]
    codes = {pid: code}
    out = [f'<SubjectData{_a(SubjectKey=code, TransactionType="Insert")}>'
           f'<SiteRef{_a(LocationOID=f"LOC.{site}")}/>']
    for entry in entries:
        out.append(_event(entry, answers.get(entry.id, {}), last_sub.get(entry.id), revised,
                          site, codes))
    out.append("</SubjectData>\n")
    return "".join(out)


def _audit(sub: Submission | None, site: str, codes, at: datetime | None = None) -> str:
    if sub is None:
        return ""
    reason = f"<ReasonForChange>{escape(xml_safe(sub.reason))}</ReasonForChange>" \
        if sub.reason else ""
    return (f'<AuditRecord EditPoint="DataManagement" UsedImputationMethod="No">'
            f"<UserRef{_a(UserOID=_user_oid(sub.actor_type, sub.actor_id, codes))}/>"
            f'<LocationRef{_a(LocationOID=f"LOC.{site}")}/>'
            f"<DateTimeStamp>{_utc(at or sub.received_at)}</DateTimeStamp>{reason}</AuditRecord>")


def _event(entry: DiaryEntry, answers, last_sub, revised, site, codes) -> str:
    day = [("DAY_STATUS", entry.status.value),
           ("ORIGINATOR", entry.originator.value if entry.originator else None),
           ("STAFF_ENTERED", "yes" if entry.staff_entered else "no"),
           ("SUBMITTED_AT", _utc(entry.first_submitted_at) if entry.first_submitted_at else None),
           ("LATE", "yes" if entry.late else "no")]
    out = [f'<StudyEventData StudyEventOID="SE.DIARY"'
           f"{_a(StudyEventRepeatKey=entry.diary_date.isoformat())}>"
           f'<FormData FormOID="F.DIARY">{_audit(last_sub, site, codes)}'
           '<ItemGroupData ItemGroupOID="IG.DAY">'
           + "".join(f'<ItemData{_a(ItemOID=f"I.{oid}", Value=v)}/>' for oid, v in day
                     if v is not None) + "</ItemGroupData>"]
    for section in instrument.SECTIONS:
        # An answer later removed (e.g. by skip logic) stays as a null item with its audit record.
        present = [i for i in section.items
                   if i.id in answers or (entry.id, i.id) in revised]
        if not present:
            continue
        out.append(f'<ItemGroupData{_a(ItemGroupOID=f"IG.{section.id.upper()}")}>')
        for item in present:
            change = revised.get((entry.id, item.id))
            value = _a(ItemOID=f"I.{item.id}", Value=answers[item.id]) if item.id in answers \
                else _a(ItemOID=f"I.{item.id}", IsNull="Yes")
            out.append(f"<ItemData{value}>{_audit(change, site, codes)}</ItemData>" if change
                       else f"<ItemData{value}/>")
        out.append("</ItemGroupData>")
    out.append("</FormData></StudyEventData>")
    return "".join(out)

"""Property tests: arbitrary text, bytes and files in every field never reach a 5xx, and what
was typed comes back on a validation error. DIARY_FUZZ_EXAMPLES sets the examples per test."""

import io
import os
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from diary.auth.forms import PhoneSignInForm, StaffSignInForm
from diary.models import Flag, FlagKind
from diary.rules import schedule
from diary.rules.text import has_control
from diary.services.diary import screens
from diary.staff.forms import CaregiverForm, EnrolForm, OutreachForm, ReasonForm, ResolveForm
from diary.staff.forms import SettingsForm as StaffSettingsForm
from tests.conftest import csrf
from tests.support.factories import make_caregiver, make_participant, make_site, make_staff

FUZZ = settings(max_examples=int(os.environ.get("DIARY_FUZZ_EXAMPLES", "30")), deadline=None,
                database=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow])
ECHOED = {"StringField", "EmailField", "TextAreaField"}  # fields that show their value again
ODD = ["", " ", "\x00", "²", "٣", "𝟘", "=HYPERLINK(\"x\")", "<script>alert(1)</script>",
       "'; DROP TABLE participant; --", "9" * 400, "\u202e", "\ufeff", "%00", "1e309", "NaN",
       "-1", "0x10", "2026-02-30", "99999-01-01", "+86 138 0000 0001", "\r\n", "a\tb"]


@dataclass(frozen=True)
class Upload:
    """A file sent in a field that expects text."""

    content: bytes


@dataclass(frozen=True)
class Raw:
    """Bytes sent as they are (not necessarily UTF-8)."""

    content: bytes


TEXT = st.text(max_size=120)
VALUE = st.one_of(TEXT, st.sampled_from(ODD), st.lists(TEXT, min_size=2, max_size=3),
                  st.binary(max_size=60).map(Raw), st.binary(max_size=60).map(Upload))
examples = {"count": 0}


def _send(client, url: str, token: str, fields: dict):
    """POST the fields (multipart when a file is among them) with a valid CSRF token."""
    examples["count"] += 1
    if any(isinstance(v, Upload) for v in fields.values()):
        data = {k: (io.BytesIO(v.content), "upload.bin") if isinstance(v, Upload)
                else (v.content.decode("latin-1") if isinstance(v, Raw) else v)
                for k, v in fields.items()}
        return client.post(url, data={"csrf_token": token, **data},
                           content_type="multipart/form-data")
    pairs = [("csrf_token", token)]
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((key, one.content if isinstance(one, Raw) else one.encode()))
    return client.post(url, data=urlencode(pairs).encode(),
                       content_type="application/x-www-form-urlencoded")


def _check(response, fields: dict, echoed: set[str]) -> None:
    assert response.status_code < 500, fields
    if response.status_code != 200:
        return
    page = response.get_data(as_text=True)
    for name in echoed:
        value = fields.get(name)
        if isinstance(value, str) and value.strip() and not has_control(value):
            assert str(escape(value)) in page, (name, value)


def _fields(form_class, prefix: str = "") -> tuple[list[str], set[str]]:
    form = form_class(meta={"csrf": False}, prefix=prefix)
    names = [f.name for f in form]
    return names, {f.name for f in form if f.type in ECHOED}


def _form_strategy(names: list[str]):
    return st.fixed_dictionaries({}, optional={n: VALUE for n in names})


@pytest.fixture
def token(client):
    cache = {}

    def get(url: str) -> str:
        if url not in cache:
            cache[url] = csrf(client, url)
        return cache[url]

    return get


@pytest.mark.parametrize(("url", "form_class"), [("/login", PhoneSignInForm),
                                                 ("/staff/login", StaffSignInForm)])
def test_sign_in_forms_survive_anything(app, client, token, url, form_class):
    with app.test_request_context():
        names, echoed = _fields(form_class)

    @FUZZ
    @given(fields=_form_strategy(names))
    def run(fields):
        _check(_send(client, url, token(url), fields), fields, echoed)

    run()


def test_diary_screens_survive_anything(app, client, session, login_as, token, clock):
    clock.set("2026-03-10T20:30:00+08:00")
    participant = make_participant(session, diary_start_date=date(2026, 3, 1))
    session.commit()
    login_as(participant)
    day = date(2026, 3, 10)
    sections = screens.sections(participant, day, schedule.WindowRules())
    # Typed answers always on their screen (conditional ones may be hidden by the answers).
    texts = {i.id for s in sections for i in s.items
             if i.kind in ("text", "temperature", "count") and i.shown_if is None}

    @FUZZ
    @given(n=st.integers(0, len(sections) - 1), data=st.data())
    def run(n, data):
        section = sections[n]
        names = [i.id for i in section.items] + ["action", "R1"]
        fields = data.draw(_form_strategy(names))
        url = f"/diary/{day.isoformat()}/{section.id}"
        fields.setdefault("action", "next")
        _check(_send(client, url, token(url), fields), fields,
               texts & {i.id for i in section.items} if fields["action"] == "next" else set())

    run()


def test_staff_forms_survive_anything(app, client, session, login_as, token, clock):
    site = make_site(session, "XW")
    participant = make_participant(session, site)
    make_caregiver(session, participant)
    staff = make_staff(session, "admin")
    flag = Flag(participant_id=participant.id, kind=FlagKind.MISSED_STREAK, dedupe_key="fuzz",
                due_at=clock(), opened_at=clock())
    session.add(flag)
    session.commit()
    login_as(staff)
    p = participant.id
    targets = [("/staff/participants/new", EnrolForm, "", True),
               (f"/staff/flags/{flag.id}/resolve", ResolveForm, "", True),
               (f"/staff/participants/{p}/settings", StaffSettingsForm, "", True),
               (f"/staff/participants/{p}/caregivers/new", CaregiverForm, "", True),
               (f"/staff/participants/{p}/outreach", OutreachForm, "", False),
               (f"/staff/participants/{p}/days/2026-03-04/excuse", ReasonForm, "excuse", False),
               (f"/staff/participants/{p}/days/2026-03-04", ReasonForm, "", True),
               (f"/staff/participants/{p}/status/withdraw", ReasonForm, "", False)]
    with app.test_request_context():
        shapes = [(url, *_fields(form, prefix), shown) for url, form, prefix, shown in targets]

    @FUZZ
    @given(target=st.sampled_from(shapes), data=st.data())
    def run(target, data):
        url, names, echoed, shown = target
        fields = data.draw(_form_strategy(names))
        page = url if shown else f"/staff/participants/{p}"
        _check(_send(client, url, token(page), fields), fields, echoed if shown else set())

    run()

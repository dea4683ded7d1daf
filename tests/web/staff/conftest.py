"""Two sites, a participant at each, and staff of every role."""

from types import SimpleNamespace

import pytest

from tests.conftest import csrf
from tests.support.factories import make_caregiver, make_participant, make_site, make_staff


@pytest.fixture
def world(session):
    """XW and BJ sites; a coordinator of XW only; an investigator and an admin."""
    xw, bj = make_site(session, "XW"), make_site(session, "BJ")
    ours = make_participant(session, xw, study_code="XW-001")
    theirs = make_participant(session, bj, study_code="BJ-001")
    carer, their_carer = make_caregiver(session, ours), make_caregiver(session, theirs)
    world = SimpleNamespace(
        xw=xw, bj=bj, ours=ours, theirs=theirs, carer=carer, their_carer=their_carer,
        coordinator=make_staff(session, "coordinator", [xw]),
        investigator=make_staff(session, "investigator"),
        admin=make_staff(session, "admin"))
    session.commit()
    return world


@pytest.fixture(autouse=True)
def english(client):
    """Staff tests read English messages; the Chinese ones are checked by the translation tests."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def token(client, url: str) -> str:
    """A CSRF token from any page with a form."""
    return csrf(client, url)


@pytest.fixture
def post(client):
    """POST a form with a fresh CSRF token taken from `page` (default: the dashboard)."""

    def send(url: str, data: dict | None = None, page: str = "/staff/", **kw):
        body = {"csrf_token": token(client, page), **(data or {})}
        return client.post(url, data=body, **kw)

    return send

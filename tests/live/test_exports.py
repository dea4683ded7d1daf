"""Every export, downloaded in full over HTTP by each staff role and parsed."""

import csv
import io
import re

import pytest
from defusedxml import ElementTree
from sqlalchemy import func, select

from diary.models import Answer, AuditEvent, DiaryEntry, Participant
from diary.rules import instrument
from diary.services.reporting.exports import EXPORTS
from tests.live.conftest import sign_in

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
BUTTON = re.compile(r'<form method="post" action="(/staff/exports/[^"]+)"')


@pytest.fixture(scope="module")
def stored(live_server):
    """How many rows the server's database holds (the demo site is every role's)."""
    with live_server.database() as session:
        return {"items.csv": session.scalar(select(func.count(Answer.id))),
                "days.csv": session.scalar(select(func.count(DiaryEntry.id))),
                "compliance.csv": session.scalar(select(func.count(Participant.id))),
                "dictionary.csv": len(instrument.ITEMS)}


def _rows(response) -> list[list[str]]:
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows
    assert all(len(r) == len(rows[0]) for r in rows)
    return rows[1:]


def _subjects(response) -> int:
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ODM}ODM"
    return len(root.findall(f"{ODM}ClinicalData/{ODM}SubjectData"))


@pytest.mark.parametrize("role", ["coordinator", "investigator", "admin"])
def test_each_role_downloads_every_export_whole(live_server, cast, stored, role):
    browser = sign_in(live_server, role)
    buttons = BUTTON.findall(browser.get("/staff/exports").text)
    assert {b.split("?")[0].rsplit("/", 1)[1] for b in buttons} == set(EXPORTS)
    assert len(buttons) > len(EXPORTS)  # and again for the one site
    for url in buttons:
        response = browser.submit(url)
        assert response.status_code == 200, (url, response.text[-2000:])
        name = url.split("?")[0].rsplit("/", 1)[1]
        if name == "odm.xml":
            assert _subjects(response) == stored["compliance.csv"], url
        elif name in stored:
            assert len(_rows(response)) == stored[name], url
        else:
            _rows(response)  # revisions and the audit trail: parsed, every row whole
    with live_server.database() as session:
        recorded = session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "export", AuditEvent.actor_id == cast.staff[role].id))
    assert recorded == len(buttons)


def test_a_download_is_a_post_with_its_token(live_server):
    browser = sign_in(live_server, "admin")
    assert browser.get("/staff/exports/items.csv").status_code == 405
    refused = browser.post("/staff/exports/items.csv", data={})
    assert refused.status_code == 302  # back to the page with "this page had expired"
    assert "text/csv" not in refused.headers.get("Content-Type", "")

"""Out-of-range query arguments and dates on staff pages: a default or a message, never a 500."""

import re

import pytest


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2025-12", "2027-04", "2026-13"])
def test_participant_page_outside_the_calendar_shows_the_current_month(client, login_as, world,
                                                                       month):
    login_as(world.coordinator)
    response = client.get(f"/staff/participants/{world.ours.id}?month={month}")
    assert response.status_code == 200
    assert "Days of 2026-03" in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30"])
def test_day_page_for_a_date_no_diary_can_hold_is_not_found(client, login_as, world, day):
    login_as(world.coordinator)
    assert client.get(f"/staff/participants/{world.ours.id}/days/{day}").status_code == 404


def test_day_page_outside_the_diary_period_answers_and_refuses(client, login_as, world, post):
    login_as(world.coordinator)
    url = f"/staff/participants/{world.ours.id}/days/2020-01-01"
    assert client.get(url).status_code == 200
    refused = post(f"{url}/excuse", {"excuse-reason": "In hospital"}, page=url,
                   follow_redirects=True)
    assert refused.status_code == 200
    assert "This day is outside the participant&#39;s diary period." in refused.get_data(
        as_text=True)


def _events(page: str) -> int:
    return int(re.search(r"(\d+) events\.", page).group(1))


@pytest.mark.parametrize("query", [
    "since=0001-01-01", "until=9999-12-31", "since=0001-01-01&until=9999-12-31",
    "since=0001-01-02&until=9999-12-30"])
def test_audit_filter_at_the_ends_of_time_keeps_every_event(client, login_as, world, query):
    login_as(world.investigator)
    everything = _events(client.get("/staff/audit").get_data(as_text=True))
    response = client.get(f"/staff/audit?{query}")
    assert response.status_code == 200
    assert _events(response.get_data(as_text=True)) == everything > 0


@pytest.mark.parametrize("actor", ["staff:99999999999999999999", "staff:2147483648"])
def test_audit_filter_by_a_staff_id_no_column_holds_matches_nobody(client, login_as, world,
                                                                   actor):
    login_as(world.investigator)
    response = client.get(f"/staff/audit?actor={actor}")
    assert response.status_code == 200
    assert _events(response.get_data(as_text=True)) == 0


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "²", "٣", "-1", "0"])
def test_int_query_arguments_out_of_range_fall_back_to_the_default(client, login_as, world,
                                                                   value):
    login_as(world.admin)
    for url in (f"/staff/?site={value}&page={value}", f"/staff/flags?site={value}",
                f"/staff/audit?page={value}", f"/staff/exports/compliance.csv?site={value}"):
        response = client.get(url)
        assert response.status_code == 200, url


def test_audit_page_past_the_last_shows_the_last(client, login_as, world):
    login_as(world.investigator)
    page = client.get("/staff/audit?page=5000").get_data(as_text=True)
    assert _events(page) > 0
    assert "No events match." not in page

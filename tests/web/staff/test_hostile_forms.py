"""Staff forms refuse control characters with a clear message; multi-line notes keep lines."""

from tests.web.test_hostile_input import CONTROL_EN


def test_a_staff_reason_with_control_characters_is_refused(client, session, login_as, post,
                                                            world):
    url = f"/staff/participants/{world.ours.id}/days/2026-03-04"
    login_as(world.coordinator)
    refused = post(f"{url}/excuse", {"excuse-reason": "In\x00 hospital"}, page=url,
                   follow_redirects=True)
    assert CONTROL_EN in refused.get_data(as_text=True)
    kept = post(f"/staff/participants/{world.ours.id}/outreach",
                {"channel": "phone", "result": "reached", "note": "Line one\r\n\tLine two"},
                page=f"/staff/participants/{world.ours.id}")
    assert kept.status_code == 302  # a note may have lines and tabs

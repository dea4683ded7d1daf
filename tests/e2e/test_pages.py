"""Every page on a phone, in both languages: axe-core, 48 px targets, no sideways scrolling."""

from datetime import date, timedelta

import pytest

from diary.extensions import db
from diary.models import Flag, FlagKind
from tests.e2e.conftest import shoot
from tests.support.browser import (
    PHONES,
    answer_screen,
    scroll_width,
    serious_violations,
    sign_in,
    small_targets,
    tap,
)
from tests.support.factories import (
    STAFF_PASSWORD,
    make_caregiver,
    make_participant,
    make_site,
    make_staff,
)
from tests.support.staff import add_days

DAY = "2026-03-10"
PARTICIPANT_PAGES = ["/", f"/diary/{DAY}/who", f"/diary/{DAY}/warning", f"/diary/{DAY}/symptoms",
                     f"/diary/{DAY}/events", f"/diary/{DAY}/function", f"/diary/{DAY}/rehab",
                     f"/diary/{DAY}/medicines", f"/diary/{DAY}/devices", f"/diary/{DAY}/review",
                     "/history", "/settings", f"/diary/{DAY}/help?kind=emergency",
                     f"/diary/{DAY}/help?kind=crisis", "/diary/2026-03-01/who", "/offline"]
COMBOS = [("zh", "360x640"), ("en", "360x640"), ("zh", "390x844"), ("en", "390x844")]


@pytest.fixture
def world(live, clock):
    """A site with two participants' weeks of history, flags, a caregiver and an admin."""
    base, app = live
    clock.set(f"{DAY}T20:30:00+08:00")
    with app.app_context():
        session = db.session
        site = make_site(session)
        people = {}
        for n, locale in enumerate(("zh", "en"), start=1):
            p = make_participant(session, site, phone=f"+861380000000{n}", locale=locale)
            add_days(session, p, "ooolmoeo", date(2026, 3, 1))
            make_caregiver(session, p, locale=locale)
            make_staff(session, role="admin", sites=[site], email=f"{locale}@example.org",
                       locale=locale)
            people[locale] = p.id
            now = clock()
            session.add_all([
                Flag(participant_id=p.id, kind=FlagKind.SAFETY_URGENT, dedupe_key=f"u{n}",
                     opened_at=now, due_at=now + timedelta(hours=1)),
                Flag(participant_id=p.id, kind=FlagKind.MISSED_STREAK, dedupe_key=f"m{n}",
                     opened_at=now, due_at=now - timedelta(hours=1))])
        session.commit()
    return base, people


def new_page(browser, size: str, locale: str):
    context = browser.new_context(viewport=PHONES[size], device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="zh-CN" if locale == "zh" else "en-GB")
    return context.new_page()


def look(page, url: str, size: str, problems: list[str], targets: bool = True) -> None:
    """axe-core, targets and fit on the page now shown; what is wrong goes into `problems`."""
    problems.extend(f"{url}: {v}" for v in serious_violations(page))
    if targets:
        problems.extend(f"{url}: small target {t}" for t in small_targets(page))
    if scroll_width(page) > PHONES[size]["width"]:
        problems.append(f"{url}: scrolls sideways at {size}")
    page.set_viewport_size({"width": 320, "height": 640})
    if scroll_width(page) > 320:
        problems.append(f"{url}: scrolls sideways at 320 px")
    page.set_viewport_size(PHONES[size])


@pytest.mark.parametrize(("locale", "size"), COMBOS)
def test_participant_pages_pass_axe_fit_and_have_big_targets(world, browser, locale, size):
    base, _people = world
    page = new_page(browser, size, locale)
    problems: list[str] = []
    page.goto(base + "/login")
    look(page, "/login", size, problems)
    sign_in(page, base, phone=f"138 0000 000{1 if locale == 'zh' else 2}")
    for url in PARTICIPANT_PAGES:
        page.goto(base + url)
        look(page, url, size, problems)
    page.goto(base + f"/diary/{DAY}/who")
    tap(page, "button.primary")
    tap(page, "button.shortcut")
    for _screen in range(12):
        if "/review" in page.url:
            break
        answer_screen(page)
        tap(page, "button[value=next]")
    tap(page, "form.send button")
    assert page.url.endswith("/done")
    look(page, "/done", size, problems)
    page.context.close()
    assert problems == [], "\n".join(problems)


def staff_pages(people: dict[str, int], locale: str) -> list[tuple[str, bool]]:
    """Each staff page and whether a coordinator uses it on a phone (48 px targets asserted)."""
    p = people[locale]
    return [("/staff/", True), ("/staff/flags", True), ("/staff/flags?show=resolved", True),
            (f"/staff/participants/{p}", True),
            (f"/staff/participants/{p}?month=2026-03", True),
            (f"/staff/participants/{p}/days/2026-03-05", False),
            (f"/staff/participants/{p}/settings", False),
            (f"/staff/participants/{p}/caregivers/new", False), ("/staff/participants/new", False),
            ("/staff/replies", False), ("/staff/exports", False), ("/staff/audit", False),
            ("/staff/admin/staff", False), ("/staff/admin/sites", False)]


@pytest.mark.parametrize(("locale", "size"), COMBOS)
def test_staff_pages_pass_axe_fit_and_phone_pages_have_big_targets(world, browser, locale,
                                                                    size):
    base, people = world
    page = new_page(browser, size, locale)
    problems: list[str] = []
    page.goto(base + "/staff/login")
    look(page, "/staff/login", size, problems)
    page.fill("input[name=email]", f"{locale}@example.org")
    page.fill("input[name=password]", STAFF_PASSWORD)
    tap(page, "main button[type=submit]")
    for url, on_phone in staff_pages(people, locale):
        page.goto(base + url)
        shoot(page, f"staff-{url.strip('/').replace('/', '-')}-{locale}-{size}", full=on_phone)
        look(page, url, size, problems, targets=on_phone)
    page.goto(base + "/staff/flags")
    tap(page, "a[href*='/resolve']")
    look(page, "/staff/flags/…/resolve", size, problems, targets=False)
    page.context.close()
    assert problems == [], "\n".join(problems)

"""Helpers for the browser tests: signing in, pressing, and what a page weighs and measures."""

from datetime import date

from diary.extensions import db
from tests.support.factories import make_participant

TARGET_MIN = 48
PHONES = {"360x640": {"width": 360, "height": 640}, "390x844": {"width": 390, "height": 844}}
DAY = date(2026, 3, 10)


def seed_participant(app, clock, locale="zh", phone="+8613800000001") -> int:
    """A participant with yesterday's entry, at 20:30 on 10 March 2026 in Beijing."""
    from tests.web.participant.test_diary_flow import seed_yesterday

    clock.set("2026-03-10T20:30:00+08:00")
    with app.app_context():
        p = make_participant(db.session, phone=phone, locale=locale)
        seed_yesterday(db.session, p)
        db.session.commit()
        return p.id


def tap(page, selector: str) -> None:
    """Press a button or link that loads the next page, and wait for that page."""
    with page.expect_navigation():
        page.click(selector)


def sign_in(page, base: str, phone="138 0000 0001", pin="246810") -> None:
    """Sign in as a participant from the home page."""
    page.goto(base + "/")
    page.fill("#phone", phone)
    page.fill("#pin", pin)
    tap(page, "button.primary")


ANSWER_EVERY_VISIBLE = """() => {
  const picked = {};
  for (const set of document.querySelectorAll('fieldset.item')) {
    if (set.offsetParent === null) continue;
    const select = set.querySelector('select');
    if (select && !select.value) {
      select.selectedIndex = select.options.length > 2 ? 2 : 1;
      select.dispatchEvent(new Event('change', {bubbles: true}));
      picked[select.name] = select.value;
    }
    const boxes = [...set.querySelectorAll('input[type=radio], input[type=checkbox]')];
    if (!boxes.length || boxes.some(b => b.checked)) continue;
    const box = boxes[Math.min(1, boxes.length - 1)];
    box.closest('label').querySelector('span').click();
    picked[box.name] = box.value;
  }
  return picked;
}"""


def answer_screen(page) -> dict[str, str]:
    """Tap an answer for every visible question, as a thumb would, until none is left."""
    picked: dict[str, str] = {}
    while more := page.evaluate(ANSWER_EVERY_VISIBLE):
        picked.update(more)
    return picked


def small_targets(page, selector: str = "a, button, select, input, summary, label.tile span"):
    """Visible targets whose box is under 48 px in height (or width, for links and buttons)."""
    return page.evaluate("""([sel, min]) => [...document.querySelectorAll(sel)]
        .filter(e => e.offsetParent !== null && e.type !== 'hidden')
        .filter(e => !(e.matches('input[type=radio], input[type=checkbox]')))
        .map(e => [e.tagName + ' ' + (e.textContent || e.name || '').trim().slice(0, 24),
                   e.getBoundingClientRect()])
        .filter(([, r]) => r.height < min || r.width < min)
        .map(([t, r]) => t + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""",
                         [selector, TARGET_MIN])


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page (axe ships with the package)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}) e.g. {v['nodes'][0]['target']}"
            for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]


class Wire:
    """Bytes on the wire: every response's headers and encoded body, of a page or a context
    (a context also sees the service worker's own requests)."""

    def __init__(self, source) -> None:
        self.requests = []
        source.on("requestfinished", lambda request: self.requests.append(request))

    def reset(self) -> None:
        self.requests.clear()

    def total(self) -> int:
        return sum(self.sizes().values())

    def sizes(self) -> dict[str, int]:
        sizes = {}
        for request in self.requests:
            s = request.sizes()
            # An answer from a cache reports a negative body: nothing crossed the wire for it.
            crossed = s["responseBodySize"] + s["responseHeadersSize"] \
                if s["responseBodySize"] >= 0 else 0
            sizes[request.url] = sizes.get(request.url, 0) + crossed
        return sizes

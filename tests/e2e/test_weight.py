"""Bytes on the wire, measured by the browser: a first visit and each later diary screen."""

import pytest

from tests.support.browser import PHONES, Wire, seed_participant, sign_in, tap

FIRST_VISIT = 15_000
LATER_SCREEN = 4_000
PRESSES = ("button.primary",) + ("button.shortcut",) * 7  # who, then each screen's shortcut


def settle(page) -> None:
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("workers", ["block", "allow"])
def test_a_first_visit_weighs_at_most_15_kb(live, browser, clock, workers):
    base, app = live
    seed_participant(app, clock)
    context = browser.new_context(viewport=PHONES["360x640"], locale="zh-CN",
                                  service_workers=workers)
    wire = Wire(context)  # the context also sees the service worker's own requests
    page = context.new_page()
    page.goto(base + "/")
    settle(page)
    if workers == "allow":
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        settle(page)
    print(f"first visit ({workers} service worker): {wire.total()} bytes", wire.sizes())
    assert wire.total() <= FIRST_VISIT, wire.sizes()
    context.close()


def test_each_later_screen_weighs_at_most_4_kb_and_static_files_are_not_fetched_again(
        live, browser, clock):
    base, app = live
    seed_participant(app, clock)
    context = browser.new_context(viewport=PHONES["360x640"], locale="zh-CN",
                                  service_workers="block")  # its precaching is not a screen
    wire = Wire(context)
    page = context.new_page()
    sign_in(page, base)
    tap(page, "a.button.primary.big")
    settle(page)
    for press in PRESSES:
        wire.reset()
        tap(page, press)
        settle(page)
        sizes = wire.sizes()
        screen = sizes[page.url]
        static = sum(n for url, n in sizes.items() if "/static/" in url)
        print(f"{page.url.rsplit('/', 1)[-1]}: page {screen} bytes, "
              f"with the post before it {wire.total()} bytes")
        assert screen <= LATER_SCREEN, (page.url, sizes)
        assert static == 0, sizes  # fingerprinted, immutable: not even revalidated
    assert page.url.endswith("/review")
    context.close()

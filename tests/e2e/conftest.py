"""A live server on a fresh database and Debian's Chromium driven by Playwright."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from diary import create_app
from diary.extensions import db
from tests.conftest import POSTGRES_URL, Clock, _config

SIZES = {"360x640": (360, 640), "390x844": (390, 844)}
CHROMIUM = os.environ.get("DIARY_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def live(template_db, tmp_path, clock):
    """Serve the app on 127.0.0.1 in a thread; yields (base_url, app)."""
    if POSTGRES_URL:
        pytest.skip("browser tests run on the embedded database")
    shutil.copy(template_db, tmp_path / "live.db")
    app = create_app(_config(f"sqlite:///{tmp_path / 'live.db'}", str(tmp_path),
                             DIARY_CLOCK=clock, TESTING=False))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: script/test installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A 360×640 phone screen; collects console errors and CSP violations."""
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


@pytest.fixture
def phones(browser):
    """Phones of a given size and language; each collects console errors."""
    contexts = []

    def open_phone(size="360x640", locale="zh", scale=2, **kw):
        width, height = SIZES[size]
        context = browser.new_context(viewport={"width": width, "height": height},
                                      device_scale_factor=scale, is_mobile=True, has_touch=True,
                                      locale="zh-CN" if locale == "zh" else "en-GB", **kw)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield open_phone
    for context in contexts:
        context.close()


def shoot(page, name: str, full: bool = False) -> None:
    """Keep a screenshot when DIARY_SCREENSHOTS names a folder (for looking, not committing)."""
    folder = os.environ.get("DIARY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full)


__all__ = ["Clock", "shoot"]

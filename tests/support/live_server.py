"""The deployed shape for tests: gunicorn serving wsgi:app as script/server starts it, over HTTP."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from diary import create_app
from diary.extensions import db
from tests.conftest import (
    POSTGRES_URL,
    TEST_KEY,
    TEST_PEPPER,
    _config,
    _worker_database,
    database_beside,
    migrate_afresh,
)

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
START_SECONDS = 60


def server_command() -> list[str]:
    """script/server's gunicorn line (workers, threads, logs), on a free loopback port."""
    line = next(x for x in (ROOT / "script" / "server").read_text().splitlines()
                if "gunicorn" in x and "--bind" in x)
    args = shlex.split(line)[1:]
    args[args.index("--bind") + 1] = "127.0.0.1:0"  # the kernel picks a free port
    if _has_option("--no-control-socket"):
        args.insert(0, "--no-control-socket")  # several test servers run side by side
    return [sys.executable, "-m", "gunicorn", *args]


def _has_option(flag: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(flag in (s.cli or ()) for s in KNOWN_SETTINGS)


class Browser(requests.Session):
    """One person's HTTP session against the server; counts what it asks for."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base
        self.sent = 0
        self.page = ""

    def get(self, url, **kwargs):
        """A GET that shows the redirect instead of following it."""
        return self.request("GET", url, **{"allow_redirects": False, **kwargs})

    def request(self, method, url, *args, **kwargs):
        self.sent += 1
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 60)
        response = super().request(method, self.base + url if url.startswith("/") else url,
                                   *args, **kwargs)
        if "text/html" in response.headers.get("Content-Type", ""):
            self.page = response.text
        return response

    def csrf(self, url: str | None = None) -> str:
        """The CSRF token of the last page seen (or of `url`, opened first)."""
        if url is not None:
            self.get(url)
        return CSRF.search(self.page).group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs) -> requests.Response:
        """POST a form with the CSRF token of the page last seen."""
        return self.post(url, data={"csrf_token": self.csrf(), **(data or {})}, **kwargs)

    def sign_in(self, login: str, fields: dict) -> requests.Response:
        """Open a sign-in page and send it; the server answers with a redirect."""
        self.get(login)
        response = self.submit(login, fields)
        assert response.status_code == 302, response.text
        return response


class LiveServer:
    """gunicorn over a database of its own; stdout and stderr go to one log file."""

    def __init__(self, url: str, folder: Path) -> None:
        self.database_url = url
        self.folder = folder
        self.log_path = folder / "server.log"
        self.base = ""
        self.process: subprocess.Popen | None = None
        self.browsers: list[Browser] = []
        self.keys = TEST_KEY  # DIARY_ENCRYPTION_KEYS of the server and of its commands

    def start(self) -> None:
        env = {**os.environ, "DIARY_DATABASE_URL": self.database_url,
               "DIARY_SECRET_KEY": "live-server-test-secret-" + "x" * 40,
               "DIARY_ENCRYPTION_KEYS": self.keys, "DIARY_PIN_PEPPER": TEST_PEPPER,
               "DIARY_SMS_BACKEND": "console",
               "PYTHONUNBUFFERED": "1"}
        env.pop("DIARY_ENV", None)  # as script/server runs it
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(server_command(), cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()  # never leave a server behind, whatever went wrong
            raise

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process.wait()
                pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            port = LISTENING.search(self.log())
            if port and self._healthy(f"http://127.0.0.1:{port.group(1)}"):
                self.base = f"http://127.0.0.1:{port.group(1)}"
                return
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer in {START_SECONDS} s:\n{self.log()}")

    @staticmethod
    def _healthy(base: str) -> bool:
        try:
            return requests.get(base + "/healthz", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or its workers still booting
            return False

    def stop(self) -> None:
        for browser in self.browsers:
            browser.close()
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # gunicorn's graceful shutdown
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def requests_served(self, at_least: int = 0) -> int:
        """Requests in gunicorn's access log (waiting a moment for the last lines to land)."""
        deadline = time.monotonic() + 5
        while True:
            served = len(re.findall(r'"(?:GET|POST|HEAD|PUT|DELETE) /', self.log()))
            if served >= at_least or time.monotonic() > deadline:
                return served
            time.sleep(0.1)

    def assert_no_errors(self) -> None:
        """Nothing in the server's log that a person would have met as an error page."""
        log = self.log()
        assert "Traceback" not in log, log[-6000:]
        assert "[ERROR]" not in log, log[-6000:]

    def browser(self) -> Browser:
        """A new person with their own cookies."""
        browser = Browser(self.base)
        self.browsers.append(browser)
        return browser

    @contextmanager
    def database(self):
        """The server's database, for seeding and for checking what it stored."""
        app = create_app(_config(self.database_url, str(self.folder),
                                 DIARY_ENCRYPTION_KEYS=self.keys))
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()
                db.engine.dispose()

    def cli(self, *args: str) -> str:
        """Run a `flask diary …` command against the server's database (as script/server does)."""
        app = create_app(_config(self.database_url, str(self.folder),
                                 DIARY_ENCRYPTION_KEYS=self.keys))
        result = app.test_cli_runner().invoke(args=list(args))
        with app.app_context():
            db.engine.dispose()
        assert result.exit_code == 0, result.output
        return result.output


def fresh_database(template_db, folder: Path) -> str:
    """A migrated, empty database for one server: a file, or a PostgreSQL database of its own."""
    if not POSTGRES_URL:
        shutil.copy(template_db, folder / "live.db")
        return f"sqlite:///{folder / 'live.db'}"
    url = database_beside(_worker_database(POSTGRES_URL), "live")
    migrate_afresh(url, str(folder))
    return url


@pytest.fixture(scope="module")
def live_server(request, template_db, tmp_path_factory):
    """One server per test module on a fresh database with the demo data (`flask diary demo`).

    The log is checked for tracebacks when the module ends, so a 500 that a test did not look
    at still fails.
    """
    folder = tmp_path_factory.mktemp("live")
    server = LiveServer(fresh_database(template_db, folder), folder)
    server.cli("diary", "demo")
    server.start()
    try:
        yield server
    finally:
        server.stop()
    print(f"\n{request.module.__name__}: the live server answered "
          f"{server.requests_served()} requests")
    server.assert_no_errors()

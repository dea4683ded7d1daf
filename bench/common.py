"""What the benchmarks share: databases, a gunicorn server, sign-in, wrk, and the results folder."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
# One key for a run and the processes it starts, so each reads what the others encrypted.
ENCRYPTION_KEY = os.environ.setdefault("BENCH_ENCRYPTION_KEY", Fernet.generate_key().decode())


def machine() -> dict:
    """The machine and how busy it was, so figures can be read against the load."""
    return {"cpus": os.cpu_count(), "load_1_5_15": os.getloadavg(),
            "python": sys.version.split()[0], "at": datetime.now(UTC).isoformat()}


def postgres_database(name: str) -> str:
    """A fresh, empty PostgreSQL database; returns its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return PG_BASE + name


def sqlite_database(folder: Path, name: str) -> str:
    """A fresh SQLite file's URL in the run's folder."""
    path = folder / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def diary_env(database_url: str, **extra: str) -> dict:
    """The environment of a diary process against this database."""
    env = {**os.environ, "DIARY_DATABASE_URL": database_url, "DIARY_SECRET_KEY": "bench-secret",
           "DIARY_ENCRYPTION_KEYS": ENCRYPTION_KEY, "DIARY_ENV": "development",
           "FLASK_APP": "wsgi", "PYTHONPATH": str(ROOT)}
    env.update(extra)
    return env


def migrate_and_seed(env: dict) -> None:
    """Schema by the migrations, then the demo data, as script/server does."""
    for args in (["db", "upgrade"], ["diary", "demo", "--if-empty"]):
        subprocess.run([str(VENV / "flask"), *args], env=env, cwd=ROOT, check=True,
                       capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict, workers: int = 2):
    """A gunicorn server with sync workers on a loopback port; yields its base URL."""
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [str(VENV / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
         "--bind", f"127.0.0.1:{port}", "--backlog", "256",
         *(["--access-logfile", "-"] if os.environ.get("BENCH_ACCESS_LOG") else []), app],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, process, log.name)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_for(base: str, process, log_name: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited: " + Path(log_name).read_text()[-2000:])
        try:
            requests.get(base + "/healthz", timeout=2)
            return
        except requests.RequestException:  # not listening yet, or still booting
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def sign_in(base: str, path: str, fields: dict) -> requests.Session:
    """Sign in through the real form; returns the browser-like session with its cookies."""
    browser = requests.Session()
    page = browser.get(base + path, timeout=10)
    answer = browser.post(base + path, data={**fields, "csrf_token": csrf_token(page.text)},
                          allow_redirects=False, timeout=10)
    if answer.status_code != 302:
        raise RuntimeError(f"sign-in at {path} failed: {answer.status_code}")
    return browser


def browser_headers(browser: requests.Session) -> dict:
    """What this browser sends with every request: its cookies and the same User-Agent.

    The sign-in notes who it came from (Flask-Login's session protection); a request from
    another agent marks the session no longer fresh, which writes the cookie again. A browser
    does that once; a replay of the sign-in's own cookie would do it on every request.
    """
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in browser.cookies),
            "User-Agent": browser.headers["User-Agent"]}


def wrk_script(requests_: list[tuple[str, str, dict, str]], folder: Path, name: str) -> Path:
    """A wrk Lua script cycling through prepared requests (each with its own cookie)."""
    def lua(value: str) -> str:
        return "[==[" + value + "]==]"

    lines = ["local prepared = {}", "local i = 0", "function init(args)"]
    for method, path, headers, body in requests_:
        pairs = ", ".join(f"[ {lua(k)} ] = {lua(v)}" for k, v in headers.items())
        lines.append(f"  table.insert(prepared, wrk.format({lua(method)}, {lua(path)}, "
                     f"{{{pairs}}}, {lua(body) if body else 'nil'}))")
    lines += ["end", "function request()", "  i = i % #prepared + 1",
              "  return prepared[i]", "end"]
    script = folder / f"{name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(base: str, script: Path, seconds: float, connections: int = 16,
        threads: int = 2) -> dict:
    """Run wrk; returns requests per second, p50/p99 in ms and the error counts."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    run = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
         "--latency", "--timeout", "20s", "-s", str(script), base],
        capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"wrk failed ({run.returncode}): {run.stdout[-1000:]}"
                           f" {run.stderr[-1000:]}")
    out = run.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s|m)\b", out))
               for p in ("50", "99")}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rate, "p50_ms": latency["50"], "p99_ms": latency["99"], "requests": total,
            "bad_status": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(int(n) for n in sockets.groups()) if sockets else 0}


def _ms(match) -> float:
    return float(match.group(1)) * UNITS[match.group(2)]


def save_results(name: str, data: dict) -> Path:
    """Write one benchmark's figures as JSON under bench/results/ (not committed)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table, as the docs show it."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)

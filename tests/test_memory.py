"""Long-running processes set what their start-up made aside, out of the collector's walks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALKED = "walked = lambda o: any(x is o for x in gc.get_objects()); "


def run(script: str, **env) -> list[str]:
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           cwd=ROOT, timeout=60, env={**os.environ, **env})
    assert found.returncode == 0, found.stderr
    return found.stdout.split()


def test_what_start_up_made_is_never_walked_by_the_collector_again():
    """The app is no longer among the objects the collector walks; what comes later still is."""
    shown = run("import gc; from diary import create_app, memory; "
                "app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x'}); "
                + WALKED + "before = walked(app); memory.settle(); later = []; "
                "print(before, walked(app), walked(later), gc.get_freeze_count() > 10000)")
    assert shown == ["True", "False", "True", "True"]


def test_a_web_worker_settles_once_its_app_is_built(tmp_path):
    """gunicorn's wsgi:app, as each worker imports it."""
    shown = run("import gc, wsgi; " + WALKED + "print(walked(wsgi.app))",
                DIARY_DATABASE_URL=f"sqlite:///{tmp_path}/diary.db")
    assert shown == ["False"]


def test_the_scheduler_settles_before_it_starts(tmp_path):
    """python -m jobs: built, settled, then started (and blocking from then on)."""
    shown = run("import gc, jobs.__main__ as main; from apscheduler.schedulers.blocking import "
                "BlockingScheduler; BlockingScheduler.start = lambda self: print("
                "gc.get_freeze_count() > 10000); main.main()",
                DIARY_DATABASE_URL=f"sqlite:///{tmp_path}/diary.db")
    assert shown == ["True"]

"""Light pages: compressed responses, fingerprinted static files, the service worker's headers."""

import os
import re
import shutil
import time

import pytest

from diary.web.assets import ABANDONED_AFTER, KEEP_BUILDS, YEAR, prune
from tests.conftest import csrf


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_static_links_are_fingerprinted_and_cached_for_a_year(client):
    urls = static_urls(client.get("/offline").get_data(as_text=True))
    assert any(re.search(r"/static/diary\.[0-9a-f]{12}\.css$", u) for u in urls)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        response.close()


def test_a_plain_static_name_still_answers_with_a_short_cache(client):
    response = client.get("/static/diary.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
    response.close()


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_pages_and_static_files_are_compressed(client, encoding):
    page = client.get("/offline", headers={"Accept-Encoding": encoding})
    assert page.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in page.headers["Vary"]
    css = next(u for u in static_urls(client.get("/offline").get_data(as_text=True))
               if u.endswith(".css"))
    response = client.get(css, headers={"Accept-Encoding": encoding})
    assert response.headers["Content-Encoding"] == encoding
    response.close()


def test_the_service_worker_is_served_from_the_root_and_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert re.search(r'const SHELL = \[.*"/static/offline\.[0-9a-f]{12}\.js".*"/offline"\]', body)
    assert "worker-src 'self'" in client.get("/offline").headers["Content-Security-Policy"]


def test_the_status_line_speaks_the_page_language(client):
    client.post("/language", data={"locale": "zh", "next": "/offline",
                                   "csrf_token": csrf(client, "/offline")})
    html = client.get("/offline").get_data(as_text=True)
    assert 'data-waiting="已保存在手机上' in html


def test_old_static_builds_are_pruned_to_the_last_few(tmp_path):
    now = time.time()
    folders = []
    for age in range(5):  # five earlier releases, the newest first
        folder = tmp_path / f"build{age}"
        (folder / "icons").mkdir(parents=True)
        (folder / "diary.css").write_text("body{}")
        os.utime(folder, (now - 100 * (age + 1),) * 2)
        folders.append(folder)
    current = tmp_path / "current"
    current.mkdir()
    os.utime(current, (now - 10_000,) * 2)  # the current one stays, whatever its age
    dead = tmp_path / ".build-dead"
    dead.mkdir()
    os.utime(dead, (now - ABANDONED_AFTER - 1,) * 2)
    busy = tmp_path / ".build-busy"  # another worker building right now
    busy.mkdir()
    removed = prune(tmp_path, current, now)
    assert sorted(removed) == sorted([*folders[KEEP_BUILDS:], dead])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".build-busy", "current", *(f.name for f in folders[:KEEP_BUILDS])])


def test_the_app_prunes_its_build_folder_at_start(app):
    from diary import create_app

    built = app.extensions["static_built"]
    stale = [built.parent / f"stale-test-{n}" for n in range(KEEP_BUILDS + 2)]
    for folder in stale:
        folder.mkdir(exist_ok=True)
        os.utime(folder, (time.time() - 10 * YEAR,) * 2)
    try:
        again = create_app(dict(app.config))
        assert again.extensions["static_built"] == built
        earlier = [p for p in built.parent.iterdir()
                   if p.is_dir() and p != built and not p.name.startswith(".")]
        assert len(earlier) <= KEEP_BUILDS
        assert built.is_dir()
    finally:
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)

"""Light pages: compressed responses, fingerprinted static files, the service worker's headers."""

import re

import pytest

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

"""Drive the diary screens through the test client like a person would, counting taps."""

import re

from tests.conftest import csrf


class Walker:
    """Each `tap` is one press by the person: a link followed or a button pressed."""

    def __init__(self, client) -> None:
        self.client = client
        self.taps = 0
        self.url = "/"
        self.page = ""

    def open(self, url: str) -> str:
        """Open a page (the home-screen icon, or a link)."""
        self.taps += 1
        self.url = url
        return self._follow(self.client.get(url))

    def press(self, data: dict | None = None, url: str | None = None, token: bool = True) -> str:
        """Press a button on the current page's form, sending `data` with it."""
        self.taps += 1
        payload = dict(data or {})
        if token:
            payload.setdefault("csrf_token", self.csrf())
        return self._follow(self.client.post(url or self.url, data=payload))

    def csrf(self) -> str:
        found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', self.page)
        return found.group(1) if found else csrf(self.client, self.url)

    def hidden(self, name: str) -> str:
        """A hidden field's value on the current page."""
        found = re.search(rf'name="{name}" value="([^"]*)"', self.page)
        return found.group(1) if found else ""

    def _follow(self, response) -> str:
        while response.status_code in (301, 302, 303):
            self.url = response.headers["Location"]
            response = self.client.get(self.url)
        self.status = response.status_code
        self.page = response.get_data(as_text=True)
        return self.page

"""WCAG 2.1 AA contrast (4.5:1) for the colour pairs the stylesheet uses for text."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "diary/static/diary.css").read_text()
VARS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))

# (text, background) as used in diary.css: body, buttons, tiles, flashes, calendar days.
PAIRS = [("ink", "#ffffff"), ("#ffffff", "blue"), ("blue-dark", "soft"), ("#ffffff", "green"),
         ("#ffffff", "red"), ("red", "#fdecea"), ("green", "#e6f4ea"), ("amber", "#fff4d6"),
         ("#4a4a4a", "#eeeeee"), ("#4a4a4a", "#ffffff"), ("#767676", "#ffffff"),
         ("blue", "#ffffff"), ("blue-dark", "#ffffff"), ("red", "#ffffff"), ("blue", "soft")]


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def colour(name: str) -> str:
    return name if name.startswith("#") else VARS[name]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_meet_aa_contrast(text, background):
    light, dark = sorted((luminance(colour(text)), luminance(colour(background))), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5

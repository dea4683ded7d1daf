"""A new medicine among ~40: the participant's own first, then a search box over the groups."""

import pytest

from tests.e2e.conftest import shoot
from tests.e2e.test_journeys import pick, seed, sign_in
from tests.e2e.test_phone import assert_fits_and_targets_are_big

SCREEN = "/diary/2026-03-10/medicines"
SEARCH = "#find-M2_DRUGS"
WORDS = {"zh": {"find": "阿司", "aspirin": "阿司匹林", "clopidogrel": "氯吡格雷",
                "label": "按药名查找"},
         "en": {"find": "aspirin", "aspirin": "aspirin", "clopidogrel": "clopidogrel",
                "label": "Find a medicine by name"}}


def tile(page, code):
    return page.locator(f"#q-M2_DRUGS label.tile:has(input[value={code}])")


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_typing_part_of_a_name_leaves_only_the_medicines_that_match(live, phones, clock, locale):
    base, app = live
    seed(app, clock, locale=locale, medicines=["atorvastatin"])
    phone = phones("360x640", locale)
    sign_in(phone, base)
    phone.goto(base + SCREEN)
    pick(phone, "M2", "yes")
    search = phone.get_by_label(WORDS[locale]["label"])
    assert search.is_visible()
    assert phone.locator("#q-M2_DRUGS details.group[open]").count() == 0  # folded at first
    search.fill(WORDS[locale]["find"])
    assert tile(phone, "aspirin").is_visible()
    assert tile(phone, "aspirin").text_content() == WORDS[locale]["aspirin"]
    assert not tile(phone, "clopidogrel").is_visible()
    assert not tile(phone, "baclofen").is_visible()
    assert phone.locator("#q-M2_DRUGS details.group:visible").count() == 1
    assert tile(phone, "atorvastatin").is_visible()  # the participant's own stay in view
    assert tile(phone, "other").is_visible()  # and so does "other medicine"
    shoot(phone, f"medicines-search-{locale}", full=True)
    assert_fits_and_targets_are_big(phone)

    search.press("Enter")  # looking for a name never sends the screen
    assert phone.url.endswith(SCREEN)
    tile(phone, "aspirin").locator("span").click()
    search.fill("")
    assert tile(phone, "clopidogrel").count() == 1
    assert phone.locator("#q-M2_DRUGS details.group:visible").count() == 7
    assert phone.locator("#q-M2_DRUGS details.group[open]").count() == 1  # the one with a tick
    search.fill("clopidogrel")  # the English name finds it on a Chinese page too
    assert tile(phone, "clopidogrel").is_visible()
    assert tile(phone, "clopidogrel").text_content() == WORDS[locale]["clopidogrel"]
    search.fill("zzz")  # not in the list: "other medicine" is what is left to tick
    assert phone.locator("#q-M2_DRUGS details.group:visible").count() == 0
    assert tile(phone, "other").is_visible()
    assert phone.errors == []


def test_without_javascript_the_groups_are_shown_and_no_search_box(live, phones, clock):
    base, app = live
    seed(app, clock, locale="zh")
    phone = phones("360x640", "zh", java_script_enabled=False)
    sign_in(phone, base)
    phone.goto(base + SCREEN)
    assert phone.locator(SEARCH).is_hidden()
    assert phone.locator("#q-M2_DRUGS details.group").count() == 7
    phone.locator("#q-M2_DRUGS details.group summary", has_text="抗血栓药").click()
    assert tile(phone, "aspirin").is_visible()

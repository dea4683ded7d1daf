"""The trend triggers read nothing of earlier days but `HISTORY_ITEMS` (all a save loads)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from diary.rules import instrument, triggers

DAY = date(2026, 3, 10)
ITEMS = [i for s in instrument.BY_SECTION.values() for i in s.items if i.choices]
answer_sets = st.fixed_dictionaries({}, optional={
    i.id: st.sampled_from(i.codes()) for i in ITEMS})


@settings(max_examples=200, deadline=None)
@given(today=answer_sets, earlier=st.lists(answer_sets, min_size=0, max_size=7),
       anticoagulant=st.booleans())
def test_the_outcome_is_the_same_with_only_the_history_items(today, earlier, anticoagulant):
    history = {DAY - timedelta(days=n + 1): answers for n, answers in enumerate(earlier)}
    kept = {d: {k: v for k, v in a.items() if k in triggers.HISTORY_ITEMS}
            for d, a in history.items()}
    limits = triggers.Thresholds()
    assert (triggers.evaluate(DAY, today, history, anticoagulant, limits)
            == triggers.evaluate(DAY, today, kept, anticoagulant, limits))

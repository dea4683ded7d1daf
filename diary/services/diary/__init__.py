"""The participant's diary: screens, drafts, entries, days, corrections, preferences."""

"""Pure rules, no database and no request: time windows, the questionnaire, triggers."""

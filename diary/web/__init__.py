"""Request-side helpers: access decisions, errors, language choice, shared forms, public pages."""

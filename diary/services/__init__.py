"""Use cases on (session, …, now): the web views, the scheduler and the CLI call these."""

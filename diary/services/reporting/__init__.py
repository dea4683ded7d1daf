"""Reporting: compliance, the dashboard, the participant page, exports, ODM, audit review."""

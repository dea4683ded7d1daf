"""The coordinator workspace: one blueprint under /staff, its views split by feature."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Importing the view modules registers their routes on the blueprint.
from diary.staff import (  # noqa: E402, F401
    labels,
    views_admin,
    views_corrections,
    views_dashboard,
    views_exports,
    views_flags,
    views_messages,
    views_participants,
)

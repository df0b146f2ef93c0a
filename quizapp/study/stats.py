"""The student's statistics page: activity, reviews, forecast, retention and mastery."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from ..clock import now
from ..services.statistics import student_statistics
from . import bp


@bp.get("/stats")
@login_required
def stats() -> str:
    return render_template("study/stats.html", stats=student_statistics(current_user, now()))

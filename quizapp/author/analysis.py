"""The item analysis page of a bank: Moodle-style figures per question and per fact.

Only the bank's owner (or an admin) reaches it, through the blueprint's instructor check and
the owned-bank lookup every author page uses. A GET that reads only; the filter and the order
are query parameters, so the page works without script.
"""

from __future__ import annotations

from flask import render_template, request

from ..core import item_analysis as core
from ..services import item_analysis as service
from . import bp
from .routes import _bank as owned_bank


@bp.get("/banks/<slug>/analysis")
def analysis(slug: str) -> tuple[str, int]:
    row = owned_bank(slug)
    view = service.analysis_of(row)
    flag = request.args.get("flag") or "all"
    sort = request.args.get("sort") or "bank"
    problems = []
    if flag not in service.FILTERS:
        problems.append(f"There is no filter “{flag[:40]}”: everything is shown.")
        flag = "all"
    if sort not in service.SORTS:
        problems.append(f"There is no order “{sort[:40]}”: the bank's order is used.")
        sort = "bank"
    page = render_template(
        "author/analysis.html",
        bank=row,
        view=view,
        items=service.arrange(view.items, flag, sort),
        facts=service.arrange(view.facts, flag, sort),
        flag=flag,
        sort=sort,
        filters=service.FILTERS,
        sorts=service.SORTS,
        flag_labels=core.FLAG_LABELS,
        problems=problems,
        thresholds={
            "too_easy": core.TOO_EASY_ABOVE,
            "too_hard": core.TOO_HARD_BELOW,
            "non_functioning": core.NON_FUNCTIONING_BELOW,
            "min_showings": core.MIN_SHOWINGS,
        },
    )
    return page, 400 if problems else 200

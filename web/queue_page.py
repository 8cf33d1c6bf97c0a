"""The work queue: each person's home page, with a tab for every step a batch can wait for
(:mod:`compounding.records.queue`), the tabs of the person's own work first."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from compounding.clock import today
from compounding.records.queue import TABS, work_queue

from .auth import audit, principal

bp = Blueprint("queue", __name__)

TAB_NAMES = {"compound": "To compound", "correct": "To correct",
             "acknowledge": "To acknowledge", "verify": "To verify",
             "label": "Verified, not labelled", "expiring": "Beyond-use date within 7 days"}
PHARMACIST_FIRST = ("acknowledge", "verify", "correct", "label", "compound", "expiring")


@bp.get("/queue")
def index():
    """The queue, on the tab asked for (``?tab=``), else the first tab with work in it."""
    user = principal().user
    order = PHARMACIST_FIRST if user.has("pharmacist") and "pharmacist" in user.roles else TABS
    profile = current_app.config["PROFILE"]
    queue = work_queue(current_app.extensions["records"], today(profile.settings.time_zone))
    asked = request.args.get("tab", "")
    tab = asked if asked in TABS else next((t for t in order if queue[t]), order[0])
    audit("read_queue", tab, shown=[w.lot for w in queue[tab]][:100])
    return render_template("queue.html", queue=queue, tabs=order, tab=tab, names=TAB_NAMES)

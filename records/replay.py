"""Import replays each record before it is kept (security.md): a record that does not add up is
refused, whole.

The plan is worked out again from the order with the record's own pharmacy profile and must be
the plan kept; the revisions must be numbered from 1, start with the printed worksheet and follow
the states a batch may pass through, each ending in the status the step leads to; the record's
status and revision must be its last revision's; a verified batch must have bench results, a
verification must not be by whoever entered them (by user id) unless the profile allows it, and
an acknowledgement must name a critical finding of the plan or of a bench entry before it. The
chain is then made anew under this database's key.
"""

from __future__ import annotations

from compounding.bench.results import TRANSITIONS
from compounding.errors import OrderError
from compounding.plan import plan_of, work_out

from .models import Record, kept_bench


def replay_problems(record: Record) -> list[str]:
    """What does not add up in ``record``, in words (empty: it may be imported)."""
    found: list[str] = []
    try:
        plan = plan_of(work_out(record.order, record.profile.settings, kept=True))
    except OrderError as exc:  # an order that no longer plans is refused
        return [f"its order does not plan: {exc}"]
    again = plan.model_dump(mode="json")
    if record.plan.mfr is None:  # kept before the formulary: made under no named record
        again["mfr"] = None
    if again != record.plan.model_dump(mode="json"):
        found.append("its plan is not the plan of its order")
    critical = {f.id for f in plan.findings if f.severity.value == "critical"}
    status: str | None = None
    authors: set[int | None] = set()
    for expected, revision in enumerate(record.revisions, start=1):
        where = f"revision {expected}"
        if revision.number != expected:
            found.append(f"{where} is missing or out of place")
            break
        data = revision.data or {}
        if expected == 1:
            if revision.action != "printed" or revision.status != "printed":
                found.append(f"{where} is not the printed worksheet")
            status = "printed"
            continue
        step = TRANSITIONS.get(revision.action)  # type: ignore[call-overload]
        if step is None or status not in step[0]:
            found.append(f"{where}: a {revision.action} cannot follow {status}")
            break
        after = step[1] or status
        if revision.action == "verification":
            after = "verified" if data.get("decision") == "approve" else "rejected"
            if not authors:
                found.append(f"{where}: a verification with no bench results")
            elif (revision.author_id in authors
                  and not record.profile.records.allow_self_verification):
                found.append(f"{where}: verified by whoever entered the bench results")
        elif revision.action in ("bench", "correction"):
            try:
                kept_bench(record.plan, data.get("bench"))
            except ValueError:
                found.append(f"{where}: its bench entry is not valid")
            # the bench's critical findings may be acknowledged from here on
            critical |= {f.get("id") or f"{f.get('code')}:{f.get('field')}"
                         for f in data.get("flags", []) if isinstance(f, dict)
                         and f.get("severity") == "critical"}
            if revision.author_id is not None:
                authors.add(revision.author_id)
            else:
                authors.add(-expected)  # an unauthenticated author counts as someone
        elif revision.action == "acknowledgement" and (
                data.get("finding") or f"{data.get('code')}:{data.get('field')}") not in critical:
            found.append(f"{where}: acknowledges {data.get('code')}, not a critical finding")
        if revision.status != after:
            found.append(f"{where} ends {revision.status}, but a {revision.action} leads to "
                         f"{after}")
        status = after
    if record.revisions and (record.status != record.revisions[-1].status
                             or record.revision != record.revisions[-1].number):
        found.append("its status or revision is not its last revision's")
    return found

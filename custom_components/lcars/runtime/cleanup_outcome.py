"""What a cleanup plan and its execution come to: the entries and the summary.

Plain data in and out: the plan becomes the entries shown on leaving soon and
due for deletion, and a run's execution report becomes its summary (result,
message, what was deleted, what failed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from custom_components.lcars.cleanup import Candidate, CleanupPolicy, Ledger, Plan
from custom_components.lcars.cleanup.clock import ClockReading
from custom_components.lcars.cleanup.execute import ExecutionReport
from custom_components.lcars.cleanup.model import trusted_size
from custom_components.lcars.cleanup.records import (
    CleanupResult,
    CleanupRunSummary,
    DeletedEntry,
    LeavingSoonEntry,
)
from custom_components.lcars.const import LOGGER

from .cleanup_inputs import CleanupInputs


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan with its texts, worked out in the executor."""

    plan: Plan
    leaving_soon: tuple[LeavingSoonEntry, ...]
    # Key -> the deletion's entry, with its reason.
    due: dict[str, DeletedEntry]
    # Key -> the same item as it stays listed when it is not deleted (a dry
    # run, or a deletion that failed).
    due_listed: dict[str, LeavingSoonEntry]

    def still_listed(self, deleted_keys: set[str]) -> tuple[LeavingSoonEntry, ...]:
        """Return what stays on leaving soon after the deletions, soonest first.

        Leaving soon, plus what was due but not deleted (a dry run, or a
        deletion that failed), still waiting to go.
        """
        remaining = list(self.leaving_soon)
        remaining.extend(
            entry for key, entry in self.due_listed.items() if key not in deleted_keys
        )
        remaining.sort(key=lambda e: (e.delete_on, e.title))
        return tuple(remaining)


def work_out(
    inputs: CleanupInputs,
    *,
    policy: CleanupPolicy,
    ledger: Ledger,
    now: datetime,
    titles: Mapping[str, str],
    seeding: Callable[[Candidate], bool] | None = None,
    clock: ClockReading | None = None,
) -> Planned:
    """Plan and build the texts; runs in an executor."""
    plan = inputs.plan(policy, ledger, now, seeding, clock)

    def listed(
        item: Candidate, entered: datetime, delete_on: datetime, reason: str
    ) -> LeavingSoonEntry:
        return LeavingSoonEntry(
            key=item.key,
            title=item.title,
            kind=item.kind,
            service=item.instance_id.split("/", 1)[0],
            instance=titles.get(item.instance_id, item.instance_id),
            root_folder=item.root_folder,
            size=trusted_size(item),
            entered=entered,
            delete_on=delete_on,
            reason=reason,
            jellyfin_id=item.jellyfin_id,
        )

    due: dict[str, DeletedEntry] = {}
    due_listed: dict[str, LeavingSoonEntry] = {}
    for deletion in plan.delete_now:
        entry = listed(
            deletion.item, deletion.entered, deletion.delete_on, deletion.reason
        )
        due_listed[entry.key] = entry
        due[entry.key] = entry.deleted()
    return Planned(
        plan=plan,
        leaving_soon=tuple(
            listed(e.item, e.entered, e.delete_on, e.reason) for e in plan.leaving_soon
        ),
        due=due,
        due_listed=due_listed,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOutcome:
    """How a run went, for its summary."""

    started: datetime
    finished: datetime
    trigger: str
    dry_run: bool
    # None when nothing was executed.
    report: ExecutionReport | None
    # What is on leaving soon after the run.
    leaving_soon: tuple[LeavingSoonEntry, ...]
    # Why Jellyfin's Leaving Soon collection was not updated, if it was not.
    collection_error: str | None = None


def run_summary(planned: Planned, outcome: RunOutcome) -> CleanupRunSummary:
    """Return the summary of a run that carried out `planned`."""
    plan, report, dry = planned.plan, outcome.report, outcome.dry_run
    deleted_keys = set(report.deleted_keys) if report and not dry else set()
    failures = dict(report.failures) if report else {}
    deleted = tuple(
        entry
        for key, entry in planned.due.items()
        if (key in deleted_keys) or (dry and report is not None)
    )
    failed = tuple(
        (key, planned.due[key].title, error) for key, error in failures.items()
    )
    message: str | None = plan.summary if plan.failed_closed else None
    result: CleanupResult
    if plan.failed_closed:
        result = "failed_closed"
    elif failed and not dry:
        result = "error"
        message = f"{len(failed)} of {len(planned.due)} deletions failed: " + "; ".join(
            f"{title}: {error}" for _key, title, error in failed
        )
    elif report is not None and report.stopped:
        result = "error"
        message = (
            "Stopped: dry run was turned on during the run; "
            f"{len(deleted)} of {len(planned.due)} deletions were done"
        )
    elif not planned.due:
        result = "listed" if outcome.leaving_soon else "nothing_to_do"
    elif dry:
        result = "dry_run"
    else:
        result = "ok"
    if outcome.collection_error and message is None:
        message = outcome.collection_error
    # Always worked out: a library scan that failed is logged even when the
    # message tells of something else.
    scan_error = refresh_error(report)
    if scan_error and message is None:
        message = scan_error
    return CleanupRunSummary(
        started=outcome.started,
        finished=outcome.finished,
        result=result,
        dry_run=dry,
        trigger=outcome.trigger,
        deleted=deleted,
        failed=failed,
        bytes_freed=0 if dry else sum(e.size for e in deleted),
        leaving_soon_count=len(outcome.leaving_soon),
        message=message,
    )


def deletion_summary(
    item: Candidate,
    report: ExecutionReport,
    *,
    reason: str,
    instance: str,
    outcome: RunOutcome,
) -> CleanupRunSummary:
    """Return the summary of deleting one item by the user's request."""
    dry = outcome.dry_run
    # What a deletion by hand frees is told only when the size is known.
    size = item.size if item.size is not None and item.size > 0 else 0
    entry = DeletedEntry(
        key=item.key,
        title=item.title,
        kind=item.kind,
        service=item.instance_id.split("/", 1)[0],
        instance=instance,
        size=size,
        reason=reason,
    )
    failed = tuple((key, item.title, error) for key, error in report.failures)
    deleted_now = not dry and item.key in report.deleted_keys
    return CleanupRunSummary(
        started=outcome.started,
        finished=outcome.finished,
        result="error" if failed else ("dry_run" if dry else "ok"),
        dry_run=dry,
        trigger=outcome.trigger,
        deleted=(entry,) if (deleted_now or (dry and not failed)) else (),
        failed=failed,
        bytes_freed=size if deleted_now else 0,
        leaving_soon_count=len(outcome.leaving_soon),
        message=failed[0][2] if failed else refresh_error(report),
    )


def refresh_error(report: ExecutionReport | None) -> str | None:
    """Say why Jellyfin did not rescan its libraries after deletions, or None.

    The deletions stand, but Jellyfin keeps showing the deleted items until
    its next scan: the run says so rather than reporting all is well.
    """
    refresh = report.library_refresh if report is not None else None
    if refresh is None or refresh.ok:
        return None
    LOGGER.warning("Jellyfin did not rescan its libraries: %s", refresh.error)
    return f"Jellyfin did not rescan its libraries: {refresh.error}"


__all__ = [
    "Planned",
    "RunOutcome",
    "deletion_summary",
    "refresh_error",
    "run_summary",
    "work_out",
]

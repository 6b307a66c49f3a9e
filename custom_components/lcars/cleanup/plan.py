"""The cleanup plan: what leaves now, what leaves soon, and what stays and why.

Every item carries the facts that decided its fate (ages, limits, free space,
dates) as fields, and a `reason` in English built from those facts on demand.
The facts are what Home Assistant translates; the sentence is for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal, NamedTuple

from . import reasons
from .ledger import Ledger
from .model import Candidate
from .policy import PolicyNotice

type ExpiryRule = Literal["disk", "tag_schedule", "rolling"]
"""The rule whose limit an item is past."""

type WaitReason = Literal[
    "grace_period",
    "free_space_target",
    "run_cap",
    "larger_than_cap",
    "failed_closed",
    "not_judged",
]
"""Why an item on leaving soon is not deleted in this run.

`free_space_target` is told even when the plan failed closed: the item would
stay anyway, and that does not depend on the data in doubt.
"""

type HoldReason = Literal[
    "ids_conflict",
    "not_in_jellyfin",
    "played_without_date",
    "no_dates",
    "deletion_failed",
    "size_in_doubt",
    "duplicate_id",
]
"""Why an item may be past its limit but is not deleted: something is in doubt."""

type ProtectionKind = Literal["exclusion_tag", "favorite", "playing", "seeding"]

type FailCode = Literal[
    "source_failed",
    "source_stale",
    "source_missing",
    "disk_missing",
    "disk_invalid",
    "ids_conflict",
    "watch_data_missing",
    "clock_step",
]
"""Why the plan failed closed (deletes nothing)."""

type LedgerChangeKind = Literal["added", "removed", "kept"]
type LedgerChangeWhy = Literal[
    "expired",
    "protected",
    "watched",
    "not_expired",
    "held",
    "gone",
    "not_candidate",
    "data_in_doubt",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiskLimit:
    """The disk rule in effect in one root folder for one media type.

    Shared by every item of the folder: it is computed once per plan.
    """

    instance_id: str
    root_folder: str
    free_percent: float
    threshold_percent: float
    limit_days: int
    # Free-until-target stops deleting once the folder is back at this percent.
    target_percent: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TagLimit:
    """A tag schedule that applies to an item."""

    tag: str
    limit_days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RollingLimit:
    """The rolling rule: keep the last episodes and the recent ones."""

    tag: str
    keep_episodes: int
    max_age_days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Expiry:
    """The limit in effect for an item, and the rules behind it.

    Shared by every item under the same rules (one root folder, media type and
    tag schedule): the per-item fact, the age, sits on the item. When both a
    disk rule and a tag schedule apply, the shorter limit is in effect (`rule`
    and `limit_days` name it) and both are kept.
    """

    rule: ExpiryRule
    limit_days: int
    # Whether Jellyfin is connected: without it ages count from the added date.
    watch_data: bool
    disk: DiskLimit | None = None
    schedule: TagLimit | None = None
    rolling: RollingLimit | None = None

    def as_dict(self, age: timedelta) -> dict[str, Any]:
        """Return the facts for an item of this age as JSON data."""
        disk, schedule, rolling = self.disk, self.schedule, self.rolling
        return {
            "rule": self.rule,
            "age_days": age.days,
            "limit_days": self.limit_days,
            "free_percent": reasons.shown_percent(disk.free_percent) if disk else None,
            "threshold_percent": disk.threshold_percent if disk else None,
            "disk_limit_days": disk.limit_days if disk else None,
            "tag": schedule.tag if schedule else None,
            "tag_limit_days": schedule.limit_days if schedule else None,
            "rolling_keep_episodes": rolling.keep_episodes if rolling else None,
            "rolling_max_age_days": rolling.max_age_days if rolling else None,
        }


# The item records below are named tuples rather than dataclasses: a plan of
# a large library holds tens of thousands of them, and a named tuple is built
# three times faster than a frozen dataclass while being just as immutable.


class DeletionItem(NamedTuple):
    """An item to delete in this run, in execution order."""

    item: Candidate
    expiry: Expiry
    # Time since the later of the added date and the last play.
    age: timedelta
    entered: datetime
    delete_on: datetime
    # Earlier executions that failed.
    attempts: int = 0
    tz: tzinfo = UTC

    @property
    def reason(self) -> str:
        """Why it is deleted, in English."""
        return reasons.deletion(self)

    def as_dict(self) -> dict[str, Any]:
        """Return the item, its facts and its reason as JSON data."""
        return {
            **_item_dict(self.item),
            **self.expiry.as_dict(self.age),
            "leaving_soon_since": self.entered.isoformat(),
            "delete_on": self.delete_on.isoformat(),
            "attempts": self.attempts,
            "reason": self.reason,
        }


class LeavingSoonItem(NamedTuple):
    """An item on leaving soon: past its limit, waiting to be deleted.

    `expiry` and `age` are None for an item kept on leaving soon that could not
    be judged this time (its root folder's disk figure is in doubt).
    `observed` is how long LCARS has seen it listed (None when the plan
    was made without a clock reading), and `unobserved` how much of the time
    since it was listed did not count (the machine off, a clock step).
    """

    item: Candidate
    expiry: Expiry | None
    age: timedelta | None
    entered: datetime
    delete_on: datetime
    waiting_for: WaitReason
    tz: tzinfo = UTC
    observed: timedelta | None = None
    unobserved: timedelta = timedelta(0)

    @property
    def reason(self) -> str:
        """Why it is leaving, and why not yet, in English."""
        return reasons.leaving_soon(self)

    def as_dict(self) -> dict[str, Any]:
        """Return the item, its facts and its reason as JSON data."""
        facts = (
            self.expiry.as_dict(self.age)
            if self.expiry is not None and self.age is not None
            else {}
        )
        return {
            **_item_dict(self.item),
            **facts,
            "leaving_soon_since": self.entered.isoformat(),
            "delete_on": self.delete_on.isoformat(),
            "waiting_for": self.waiting_for,
            "observed_days": (
                None
                if self.observed is None
                else round(self.observed.total_seconds() / 86400, 2)
            ),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Protection:
    """One thing that protects an item."""

    kind: ProtectionKind
    # The exclusion tag, and whether it sits on the parent series.
    tag: str | None = None
    on_series: bool = False


class ProtectedItem(NamedTuple):
    """An item past its limit that is kept because something protects it."""

    item: Candidate
    protections: tuple[Protection, ...]
    expiry: Expiry
    # Counted from the added date alone when the watch history is unknown.
    age: timedelta | None
    tz: tzinfo = UTC

    @property
    def reason(self) -> str:
        """What protects it, in English."""
        return reasons.protected(self)

    def as_dict(self) -> dict[str, Any]:
        """Return the item, its protections and its reason as JSON data."""
        facts = self.expiry.as_dict(self.age) if self.age is not None else {}
        return {
            **_item_dict(self.item),
            **facts,
            "protections": [
                {"kind": p.kind, "tag": p.tag, "on_series": p.on_series}
                for p in self.protections
            ],
            "reason": self.reason,
        }


class HeldItem(NamedTuple):
    """An item that may be past its limit but is never deleted while in doubt."""

    item: Candidate
    hold: HoldReason
    # For `deletion_failed`: the failures recorded in the ledger.
    attempts: int = 0
    last_error: str | None = None
    tz: tzinfo = UTC

    @property
    def reason(self) -> str:
        """Why it is held, in English."""
        return reasons.held(self)

    def as_dict(self) -> dict[str, Any]:
        """Return the item, the hold and its reason as JSON data."""
        return {
            **_item_dict(self.item),
            "hold": self.hold,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class RootFolderOutlook:
    """Free space of a root folder now and after the plan's deletions."""

    instance_id: str
    root_folder: str
    free_bytes: int | None
    total_bytes: int | None
    # None with a valid figure; otherwise why the figure is not trusted.
    problem: Literal["disk_missing", "disk_invalid"] | None
    # Free-until-target percent per media type stored in the folder.
    targets: Mapping[str, float]
    freed_bytes: int

    @property
    def free_percent(self) -> float | None:
        """Free space now, in percent."""
        return _percent(self.free_bytes, self.total_bytes, self.problem)

    @property
    def projected_free_bytes(self) -> int | None:
        """Free space once the plan's deletions are done."""
        if self.problem is not None or self.free_bytes is None:
            return None
        return self.free_bytes + self.freed_bytes

    @property
    def projected_free_percent(self) -> float | None:
        """Free space once the plan's deletions are done, in percent."""
        return _percent(self.projected_free_bytes, self.total_bytes, self.problem)

    def as_dict(self) -> dict[str, Any]:
        """Return the figures as JSON data."""
        free, projected = self.free_percent, self.projected_free_percent
        return {
            "instance_id": self.instance_id,
            "root_folder": self.root_folder,
            "free_bytes": self.free_bytes,
            "total_bytes": self.total_bytes,
            "problem": self.problem,
            "free_percent": None if free is None else reasons.shown_percent(free),
            "targets": dict(self.targets),
            "freed_bytes": self.freed_bytes,
            "projected_free_bytes": self.projected_free_bytes,
            "projected_free_percent": None
            if projected is None
            else reasons.shown_percent(projected),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class FailReason:
    """One reason the plan deletes nothing."""

    code: FailCode
    # The source id, root folder or item key concerned.
    subject: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """As JSON data."""
        return {"code": self.code, "subject": self.subject, "message": self.message}


class LedgerChange(NamedTuple):
    """An entry added to, removed from or kept in the ledger, and why."""

    key: str
    title: str | None
    change: LedgerChangeKind
    why: LedgerChangeWhy

    @property
    def message(self) -> str:
        """The change in English."""
        return reasons.ledger_change(self)

    def as_dict(self) -> dict[str, Any]:
        """Return the change as JSON data."""
        return {
            "key": self.key,
            "title": self.title,
            "change": self.change,
            "why": self.why,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanTotals:
    """Counts and sizes of the plan."""

    candidates: int
    # Items of a kind the policy does not clean up (for example episodes of a
    # series that is not rolling).
    ignored: int
    delete_count: int
    delete_bytes: int
    leaving_soon_count: int
    leaving_soon_bytes: int
    protected_count: int
    held_count: int

    def as_dict(self) -> dict[str, int]:
        """As JSON data."""
        return {
            "candidates": self.candidates,
            "ignored": self.ignored,
            "delete_count": self.delete_count,
            "delete_bytes": self.delete_bytes,
            "leaving_soon_count": self.leaving_soon_count,
            "leaving_soon_bytes": self.leaving_soon_bytes,
            "protected_count": self.protected_count,
            "held_count": self.held_count,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The outcome of one planning run.

    Nothing here has happened yet: the Home Assistant layer executes
    `delete_now` in order, then records each outcome in `ledger`
    (`record_deleted`, `record_failure`) and stores it. `leaving_soon` is in
    order of deletion date. `protected` lists only items past their limit and
    `held` only items that may be (and every item whose ids conflict), not the
    whole library.
    """

    created: datetime
    delete_now: tuple[DeletionItem, ...]
    leaving_soon: tuple[LeavingSoonItem, ...]
    protected: tuple[ProtectedItem, ...]
    held: tuple[HeldItem, ...]
    root_folders: tuple[RootFolderOutlook, ...]
    failed_closed: bool
    fail_reasons: tuple[FailReason, ...]
    # The earliest date an item still within its grace period can be deleted.
    first_deletion_at: datetime | None
    totals: PlanTotals
    ledger: Ledger
    ledger_changes: tuple[LedgerChange, ...]
    notices: tuple[PolicyNotice, ...]

    @property
    def summary(self) -> str:
        """One paragraph saying what the plan does, in English."""
        return reasons.summary(self)

    def as_dict(self, *, max_items: int | None = None) -> dict[str, Any]:
        """Return the plan as JSON data, for the response of a Home Assistant action.

        `max_items` shortens each item list (the totals stay complete), since
        a large library can put thousands of items on leaving soon.
        """

        def cut[T](items: tuple[T, ...]) -> tuple[T, ...]:
            return items if max_items is None else items[:max_items]

        # What a reader wants first: what happens, how much, what is due.
        return {
            "summary": self.summary,
            "totals": self.totals.as_dict(),
            "delete_now": [i.as_dict() for i in cut(self.delete_now)],
            "failed_closed": self.failed_closed,
            "fail_reasons": [r.as_dict() for r in self.fail_reasons],
            "first_deletion_at": (
                self.first_deletion_at.isoformat() if self.first_deletion_at else None
            ),
            "created": self.created.isoformat(),
            "leaving_soon": [i.as_dict() for i in cut(self.leaving_soon)],
            "protected": [i.as_dict() for i in cut(self.protected)],
            "held": [i.as_dict() for i in cut(self.held)],
            "root_folders": [f.as_dict() for f in self.root_folders],
            "ledger_changes": [c.as_dict() for c in cut(self.ledger_changes)],
            "notices": [
                {"code": n.code, "field": n.field, "message": n.message}
                for n in self.notices
            ],
        }


def _item_dict(item: Candidate) -> dict[str, Any]:
    """Return the identity of an item as JSON data."""
    ids = item.ids
    return {
        "key": item.key,
        "instance_id": item.instance_id,
        "kind": item.kind,
        "title": item.title,
        "year": item.year,
        "ids": {
            "tmdb": ids.tmdb,
            "tvdb": ids.tvdb,
            "imdb": ids.imdb,
            "musicbrainz": ids.musicbrainz,
        },
        "root_folder": item.root_folder,
        "path": item.path,
        "size": item.size,
        "series_key": item.series_key,
        "season_number": item.season_number,
        "episode_number": item.episode_number,
    }


def _percent(free: int | None, total: int | None, problem: str | None) -> float | None:
    if problem is not None or free is None or not total:
        return None
    return free * 100 / total

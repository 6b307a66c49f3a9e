"""The facts a cleanup plan rests on, and how LCARS writes figures.

The limits in effect for an item and the rules behind them, what protects an
item, the plan's totals, and the names of its outcomes: the plan's records
(`plan`) and the sentences that explain them (`reasons`) are both made of
these. Every percentage and size LCARS shows, here and in Home Assistant
(sensors, attributes, action answers, events, the logbook), goes through
`shown_percent`/`percent_text` and `size_text`, so that one figure reads the
same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
import math
from typing import Any, Final, Literal

# Sizes are written in binary units (1 GiB = 1024 MiB), as Radarr, Sonarr,
# Lidarr and the BitTorrent clients write them, so that a size reads the same
# in LCARS as in the server it comes from. Home Assistant's sensors use the
# same units (UnitOfInformation.GIBIBYTES and its kin).
SIZE_UNITS: Final = (
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
)

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
            "free_percent": shown_percent(disk.free_percent) if disk else None,
            "threshold_percent": disk.threshold_percent if disk else None,
            "disk_limit_days": disk.limit_days if disk else None,
            "tag": schedule.tag if schedule else None,
            "tag_limit_days": schedule.limit_days if schedule else None,
            "rolling_keep_episodes": rolling.keep_episodes if rolling else None,
            "rolling_max_age_days": rolling.max_age_days if rolling else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Protection:
    """One thing that protects an item."""

    kind: ProtectionKind
    # The exclusion tag, and whether it sits on the parent series.
    tag: str | None = None
    on_series: bool = False


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


def shown_percent(percent: float) -> float:
    """Return a percentage as LCARS shows it anywhere: one decimal, rounded down.

    Down, so that 9.99% free never reads as "10.0% free, under 10%" and a
    download at 99.96% never reads as 100.0%. (Every float nearest to a
    one-decimal value, such as 2.3, times 10 is that whole number exactly.)
    """
    return math.floor(percent * 10) / 10


def shown_percent_or_unknown(percent: float | None) -> float | None:
    """Return a percentage as `shown_percent` does; an unknown one stays unknown."""
    return None if percent is None else shown_percent(percent)


def percent_text(percent: float) -> str:
    """Write a percentage the way `shown_percent` rounds it, such as "2.9%"."""
    return f"{shown_percent(percent):.1f}%"


def size_text(size: float) -> str:
    """Write a size in bytes in binary units: "1.5 GiB", "350.0 MiB", "12 B".

    The unit is the largest in which the size, at one decimal, is at least 1,
    so that 1023.99 MiB reads as "1.0 GiB" rather than "1024.0 MiB".
    """
    for unit, factor in SIZE_UNITS:
        if round(size / factor, 1) >= 1:
            return f"{size / factor:.1f} {unit}"
    return f"{int(size)} B"

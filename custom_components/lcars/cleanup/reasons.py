"""English sentences built from the facts of a plan, and how LCARS writes figures.

Built on demand rather than while planning: a plan of a large library can put
thousands of items on leaving soon, and most reasons are never read. Dates are
shown in the time zone of the plan's clock.

Every percentage and size LCARS shows, here and in Home Assistant (sensors,
attributes, action answers, events, the logbook), goes through
`shown_percent`/`percent_text` and `size_text`, so that one figure reads the
same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
import math
from typing import TYPE_CHECKING, Final

from .model import Candidate, trusted_size

# A summary names the first few reasons to fail closed; the plan lists all.
_MAX_CAUSES: Final = 3
# Time since an item was listed that did not count is told from an hour on.
_UNOBSERVED_TOLD: Final = timedelta(hours=1)

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

if TYPE_CHECKING:
    from .plan import (
        DeletionItem,
        Expiry,
        HeldItem,
        LeavingSoonItem,
        LedgerChange,
        Plan,
        ProtectedItem,
        Protection,
    )


def deletion(entry: DeletionItem) -> str:
    """Why an item is deleted now."""
    facts = _facts(entry.item, entry.expiry, entry.age, entry.tz)
    text = f"{facts} On leaving soon since {_date(entry.entered, entry.tz)}."
    if entry.attempts:
        text += f" Earlier attempts to delete it failed: {entry.attempts}."
    return text


def leaving_soon(entry: LeavingSoonItem) -> str:
    """Why an item is on leaving soon, and what it waits for."""
    tz = entry.tz
    since, due = _date(entry.entered, tz), _date(entry.delete_on, tz)
    if entry.expiry is None or entry.age is None:
        return (
            f"On leaving soon since {since}. Not judged this time: the disk figure"
            f" of {entry.item.root_folder} is in doubt. Deletion on {due} at the"
            " earliest."
        )
    facts = _facts(entry.item, entry.expiry, entry.age, tz)
    match entry.waiting_for:
        case "grace_period":
            wait = f"On leaving soon since {since}; deletion on {due}."
            if entry.unobserved >= _UNOBSERVED_TOLD:
                wait += (
                    f" {_span(entry.unobserved)} of the time since did not count"
                    " toward the grace period (Home Assistant could not watch"
                    " the clock: the machine restarted, or the clock jumped)."
                )
        case "free_space_target":
            disk = entry.expiry.disk
            target = f"{disk.target_percent:g}%" if disk else "its target"
            wait = (
                f"Due since {due}, but {entry.item.root_folder} is at its free"
                f" space target of {target} without it."
            )
        case "run_cap":
            wait = f"Due since {due}; this run's deletion cap is reached."
        case "larger_than_cap":
            wait = (
                f"Due since {due}, but at {size_text(trusted_size(entry.item))}"
                " it is larger"
                " than the per-run size cap: raise the cap to let it go."
            )
        # Every wait reason has its case: none falls past the last one.
        case "failed_closed" | "not_judged":  # pragma: no branch
            wait = f"Due since {due}, but nothing is deleted while data is in doubt."
    return f"{facts} {wait}"


def protected(entry: ProtectedItem) -> str:
    """Say what keeps an item that is past its limit."""
    kept = f"Kept: {protections(entry.protections)}."
    if entry.age is None:
        return f"{_limit(entry.item, entry.expiry)} {kept}"
    return f"{_facts(entry.item, entry.expiry, entry.age, entry.tz)} {kept}"


def protections(found: Iterable[Protection]) -> str:
    """Name what protects an item, such as "tagged lcars-keep; a favourite"."""
    parts: list[str] = []
    for protection in found:
        match protection.kind:
            case "exclusion_tag" if protection.on_series:
                parts.append(f"its series is tagged {protection.tag}")
            case "exclusion_tag":
                parts.append(f"tagged {protection.tag}")
            case "favorite":
                parts.append("a favourite")
            case "playing":
                parts.append("playing now")
            # Every kind of protection has its case.
            case "seeding":  # pragma: no branch
                parts.append("seeding")
    return "; ".join(parts)


def held(entry: HeldItem) -> str:
    """Why an item is not deleted although it may be past its limit."""
    match entry.hold:
        case "ids_conflict":
            return (
                "Held: the Jellyfin item found by one of its ids disagrees on"
                " another, so its watch data may belong to something else."
            )
        case "not_in_jellyfin":
            return (
                "Held: no Jellyfin item matches its ids, so its watch history"
                " is unknown."
            )
        case "played_without_date":
            return (
                "Held: Jellyfin marks it played but gives no date, so the last"
                " watch is unknown."
            )
        case "no_dates":
            return (
                "Held: it has no added date and no play on record, so its age"
                " is unknown."
            )
        case "deletion_failed":
            return (
                f"Held: deleting it failed {entry.attempts} times (last error:"
                f" {entry.last_error or 'unknown'}). Clear its failures to retry."
            )
        case "size_in_doubt":
            size = entry.item.size
            told = "missing" if size is None else f"{size!r} bytes"
            return (
                f"Held: its size ({told}) is missing, not positive or larger than"
                " its disk, so the space deleting it frees cannot be counted."
            )
        # Every hold has its case: none falls past the last one.
        case "duplicate_id":  # pragma: no branch
            return (
                "Held: its id appears more than once in the list of its server,"
                " so which entry is right is in doubt."
            )


def ledger_change(change: LedgerChange) -> str:
    """One ledger change in English."""
    name = change.title or change.key
    match change.why:
        case "expired":
            return f"{name} is now on leaving soon."
        case "protected":
            return f"{name} left leaving soon: it is protected now."
        case "watched":
            return f"{name} left leaving soon: it was watched."
        case "not_expired":
            return f"{name} left leaving soon: it is no longer past its limit."
        case "held":
            return f"{name} left leaving soon: its data is in doubt."
        case "gone":
            return f"{name} left leaving soon: it is no longer in the library."
        case "not_candidate":
            return (
                f"{name} left leaving soon: the current settings do not clean up"
                " this kind of item."
            )
        # Every ledger change has its case.
        case "data_in_doubt":  # pragma: no branch
            return (
                f"{name} stays on leaving soon: it is missing from data that is"
                " in doubt."
            )


def summary(plan: Plan) -> str:
    """Say what a plan does, in one paragraph."""
    totals = plan.totals
    tz = plan.created.tzinfo
    if plan.failed_closed:
        causes = [reason.message for reason in plan.fail_reasons]
        shown = "; ".join(causes[:_MAX_CAUSES])
        if len(causes) > _MAX_CAUSES:
            shown += f"; and {len(causes) - _MAX_CAUSES} more"
        text = f"Nothing will be deleted: {shown}."
    elif totals.delete_count:
        text = (
            f"{_count(totals.delete_count, 'item')} ({size_text(totals.delete_bytes)})"
            " to delete now."
        )
    else:
        text = "Nothing to delete now."
    text += (
        f" {_count(totals.leaving_soon_count, 'item')}"
        f" ({size_text(totals.leaving_soon_bytes)}) on leaving soon,"
        f" {totals.protected_count} protected, {totals.held_count} held."
    )
    if plan.first_deletion_at is not None and not plan.delete_now:
        text += (
            f" The first deletion can happen on {_date(plan.first_deletion_at, tz)}."
        )
    return text


def _facts(item: Candidate, expiry: Expiry, age: timedelta, tz: tzinfo | None) -> str:
    """Give the age of an item and the limit it is past."""
    return f"{_activity(item, expiry, age, tz)} {_limit(item, expiry)}"


def _activity(
    item: Candidate, expiry: Expiry, age: timedelta, tz: tzinfo | None
) -> str:
    days = _count(age.days, "day")
    added = _date(item.added, tz)
    watch_known = (
        expiry.watch_data
        and item.jellyfin_matched
        and not (item.played and item.last_played is None)
    )
    if not watch_known:
        return f"Added {added} ({days} ago); its watch history is unknown."
    last = item.last_played
    if last is None:
        return f"Never watched; added {added} ({days} ago)."
    if item.added is not None and item.added > last:
        return f"Last watched {_date(last, tz)}; added again {added} ({days} ago)."
    return f"Not watched since {_date(last, tz)} ({days})."


def _limit(item: Candidate, expiry: Expiry) -> str:
    if expiry.rolling is not None:
        rolling = expiry.rolling
        series = item.series_title or "The series"
        return (
            f"{series} is rolling (tagged {rolling.tag}): it keeps the last"
            f" {_count(rolling.keep_episodes, 'episode')} and any younger than"
            f" {rolling.max_age_days} days; {_episode(item)} is neither."
        )
    parts: list[str] = []
    if expiry.disk is not None:
        disk = expiry.disk
        parts.append(
            f"{disk.root_folder} is {percent_text(disk.free_percent)} free, under"
            f" {disk.threshold_percent:g}%, so the limit is {disk.limit_days} days."
        )
    if expiry.schedule is not None:
        parts.append(
            f"Tagged {expiry.schedule.tag}: limit {expiry.schedule.limit_days} days."
        )
    if len(parts) == 2:
        parts.append(f"The shorter limit, {expiry.limit_days} days, applies.")
    return " ".join(parts)


def _episode(item: Candidate) -> str:
    if item.season_number is not None and item.episode_number is not None:
        return f"S{item.season_number:02d}E{item.episode_number:02d}"
    return "this episode"


def _date(moment: datetime | None, tz: tzinfo | None) -> str:
    if moment is None:
        return "on an unknown date"
    return moment.astimezone(tz).date().isoformat()


def shown_percent(percent: float) -> float:
    """Return a percentage as LCARS shows it anywhere: one decimal, rounded down.

    Down, so that 9.99% free never reads as "10.0% free, under 10%" and a
    download at 99.96% never reads as 100.0%. (Every float nearest to a
    one-decimal value, such as 2.3, times 10 is that whole number exactly.)
    """
    return math.floor(percent * 10) / 10


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


def _span(span: timedelta) -> str:
    """Say a span of time in days, or hours under two days."""
    if span >= timedelta(days=2):
        return _count(span.days, "day")
    return _count(int(span.total_seconds() // 3600), "hour")


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"

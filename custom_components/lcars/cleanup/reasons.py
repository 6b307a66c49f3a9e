"""English sentences built from the facts of a plan.

Built on demand rather than while planning: a plan of a large library can put
thousands of items on leaving soon, and most reasons are never read. Each
sentence takes the facts it tells (see `facts`), not the plan's records, so
the records can offer their reason without this module knowing them. Dates
are shown in the time zone of the plan's clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Final

from .facts import (
    Expiry,
    HoldReason,
    LedgerChangeWhy,
    PlanTotals,
    Protection,
    WaitReason,
    percent_text,
    shown_percent,
    shown_percent_or_unknown,
    size_text,
)
from .model import Candidate, trusted_size

# How figures are written lives with the facts; it is named here too, where
# the sentences that show them are.
__all__ = [
    "deletion",
    "held",
    "leaving_soon",
    "ledger_change",
    "percent_text",
    "protected",
    "protections",
    "shown_percent",
    "shown_percent_or_unknown",
    "size_text",
    "summary",
]

# A summary names the first few reasons to fail closed; the plan lists all.
_MAX_CAUSES: Final = 3
# Time since an item was listed that did not count is told from an hour on.
_UNOBSERVED_TOLD: Final = timedelta(hours=1)


def deletion(
    item: Candidate,
    expiry: Expiry,
    age: timedelta,
    *,
    entered: datetime,
    attempts: int,
    tz: tzinfo,
) -> str:
    """Why an item is deleted now."""
    facts = _facts(item, expiry, age, tz)
    text = f"{facts} On leaving soon since {_date(entered, tz)}."
    if attempts:
        text += f" Earlier attempts to delete it failed: {attempts}."
    return text


def leaving_soon(
    item: Candidate,
    expiry: Expiry | None,
    age: timedelta | None,
    *,
    entered: datetime,
    delete_on: datetime,
    waiting_for: WaitReason,
    unobserved: timedelta,
    tz: tzinfo,
) -> str:
    """Why an item is on leaving soon, and what it waits for."""
    since, due = _date(entered, tz), _date(delete_on, tz)
    if expiry is None or age is None:
        return (
            f"On leaving soon since {since}. Not judged this time: the disk figure"
            f" of {item.root_folder} is in doubt. Deletion on {due} at the"
            " earliest."
        )
    facts = _facts(item, expiry, age, tz)
    match waiting_for:
        case "grace_period":
            wait = f"On leaving soon since {since}; deletion on {due}."
            if unobserved >= _UNOBSERVED_TOLD:
                wait += (
                    f" {_span(unobserved)} of the time since did not count"
                    " toward the grace period (Home Assistant could not watch"
                    " the clock: the machine restarted, or the clock jumped)."
                )
        case "free_space_target":
            disk = expiry.disk
            target = f"{disk.target_percent:g}%" if disk else "its target"
            wait = (
                f"Due since {due}, but {item.root_folder} is at its free"
                f" space target of {target} without it."
            )
        case "run_cap":
            wait = f"Due since {due}; this run's deletion cap is reached."
        case "larger_than_cap":
            wait = (
                f"Due since {due}, but at {size_text(trusted_size(item))}"
                " it is larger"
                " than the per-run size cap: raise the cap to let it go."
            )
        # Every wait reason has its case: none falls past the last one.
        case "failed_closed" | "not_judged":  # pragma: no branch
            wait = f"Due since {due}, but nothing is deleted while data is in doubt."
    return f"{facts} {wait}"


def protected(
    item: Candidate,
    found: Iterable[Protection],
    expiry: Expiry,
    age: timedelta | None,
    tz: tzinfo,
) -> str:
    """Say what keeps an item that is past its limit."""
    kept = f"Kept: {protections(found)}."
    if age is None:
        return f"{_limit(item, expiry)} {kept}"
    return f"{_facts(item, expiry, age, tz)} {kept}"


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


def held(
    item: Candidate, hold: HoldReason, attempts: int, last_error: str | None
) -> str:
    """Why an item is not deleted although it may be past its limit."""
    match hold:
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
                f"Held: deleting it failed {attempts} times (last error:"
                f" {last_error or 'unknown'}). Clear its failures to retry."
            )
        case "size_in_doubt":
            size = item.size
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


def ledger_change(key: str, title: str | None, why: LedgerChangeWhy) -> str:
    """One ledger change in English."""
    name = title or key
    match why:
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


def summary(
    totals: PlanTotals,
    failures: list[str] | None,
    *,
    created: datetime,
    first_deletion_at: datetime | None,
) -> str:
    """Say what a plan does, in one paragraph.

    `failures` are the messages of why the plan failed closed, None when it
    did not; `first_deletion_at` is told when given.
    """
    tz = created.tzinfo
    if failures is not None:
        shown = "; ".join(failures[:_MAX_CAUSES])
        if len(failures) > _MAX_CAUSES:
            shown += f"; and {len(failures) - _MAX_CAUSES} more"
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
    if first_deletion_at is not None:
        text += f" The first deletion can happen on {_date(first_deletion_at, tz)}."
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


def _span(span: timedelta) -> str:
    """Say a span of time in days, or hours under two days."""
    if span >= timedelta(days=2):
        return _count(span.days, "day")
    return _count(int(span.total_seconds() // 3600), "hour")


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"

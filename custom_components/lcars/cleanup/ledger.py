"""The leaving-soon ledger: what the cleanup promised, and when.

The ledger is the memory that makes the grace period a guarantee: an item is
deleted only after it has been on leaving soon, according to the ledger, for
the whole grace period, by the calendar and by the time LCARS observed it
listed (see `clock`). It survives restarts as plain JSON data.

The observed time of each entry and the clock reading of the ledger were
added to the stored form as optional fields, so the version stays 1: a
ledger stored before has none, which reads as nothing observed yet (the
grace period is then observed in full from the first reading on).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from .clock import ClockReading

LEDGER_VERSION: Final = 1
_NOTHING: Final = timedelta(0)
_MICROSECOND: Final = timedelta(microseconds=1)


class LedgerError(ValueError):
    """Stored ledger data cannot be read."""


class LedgerEntry(NamedTuple):
    """One item on leaving soon.

    `delete_on` is the date promised to the user; it never moves earlier.
    `attempts` and `last_error` count executions that failed. `observed` is
    how long LCARS has seen the item listed, measured so that a step of the
    wall clock cannot add to it (see `clock`). A named tuple: the first plan
    of a large library makes tens of thousands at once.
    """

    entered: datetime
    delete_on: datetime
    attempts: int = 0
    last_error: str | None = None
    last_attempt: datetime | None = None
    observed: timedelta = _NOTHING

    def to_dict(self) -> dict[str, Any]:
        """Return the entry as JSON data (the observed time when there is any)."""
        data: dict[str, Any] = {
            "entered": self.entered.isoformat(),
            "delete_on": self.delete_on.isoformat(),
            "attempts": self.attempts,
            "last_error": self.last_error,
            "last_attempt": (
                self.last_attempt.isoformat() if self.last_attempt else None
            ),
        }
        if self.observed:
            # Whole microseconds: exact through JSON, whatever the span.
            data["observed_microseconds"] = self.observed // _MICROSECOND
        return data

    @classmethod
    def from_dict(cls, key: str, data: Any) -> LedgerEntry:
        """Read an entry written by `to_dict`."""
        if not isinstance(data, Mapping):
            raise LedgerError(f"Ledger entry {key!r} is not an object")
        attempts = data.get("attempts", 0)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
            raise LedgerError(f"Ledger entry {key!r} has an invalid attempt count")
        last_error = data.get("last_error")
        if last_error is not None and not isinstance(last_error, str):
            raise LedgerError(f"Ledger entry {key!r} has an invalid error")
        last_attempt = data.get("last_attempt")
        observed = data.get("observed_microseconds", 0)
        if isinstance(observed, bool) or not isinstance(observed, int):
            raise LedgerError(f"Ledger entry {key!r} has an invalid observed time")
        try:
            observed_time = observed * _MICROSECOND
        except OverflowError as err:
            raise LedgerError(
                f"Ledger entry {key!r} has an invalid observed time"
            ) from err
        return cls(
            entered=_read_datetime(key, "entered", data.get("entered")),
            delete_on=_read_datetime(key, "delete_on", data.get("delete_on")),
            attempts=attempts,
            last_error=last_error,
            last_attempt=(
                None
                if last_attempt is None
                else _read_datetime(key, "last_attempt", last_attempt)
            ),
            observed=observed_time,
        )


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every item on leaving soon, by candidate key. Immutable: changes return a new one.

    `clock` is the reading taken when the entries' observed time was last
    brought up to date; the next plan credits the time since then.
    """

    entries: Mapping[str, LedgerEntry] = field(
        default_factory=lambda: MappingProxyType({})
    )
    clock: ClockReading | None = None

    def __post_init__(self) -> None:
        """Keep a private read-only copy, so nobody can change it behind our back."""
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))

    def __len__(self) -> int:
        """Count the items on leaving soon."""
        return len(self.entries)

    def __contains__(self, key: object) -> bool:
        """Whether the item with this key is on leaving soon."""
        return key in self.entries

    def get(self, key: str) -> LedgerEntry | None:
        """Return the entry of one item, or None."""
        return self.entries.get(key)

    def record_deleted(self, keys: Iterable[str]) -> Ledger:
        """Forget items that were deleted."""
        gone = set(keys)
        return Ledger(
            {k: e for k, e in self.entries.items() if k not in gone}, self.clock
        )

    def record_failure(self, key: str, error: str, at: datetime) -> Ledger:
        """Remember that deleting an item failed; unknown keys are ignored."""
        entry = self.entries.get(key)
        if entry is None:
            return self
        failed = entry._replace(
            attempts=entry.attempts + 1, last_error=error, last_attempt=at
        )
        return Ledger({**self.entries, key: failed}, self.clock)

    def clear_failures(self, key: str) -> Ledger:
        """Let a held item be retried (after the user fixed the cause)."""
        entry = self.entries.get(key)
        if entry is None:
            return self
        cleared = entry._replace(attempts=0, last_error=None, last_attempt=None)
        return Ledger({**self.entries, key: cleared}, self.clock)

    def restart_grace(
        self, now: datetime, grace: timedelta, clock: ClockReading | None = None
    ) -> Ledger:
        """Start every item's grace period again from `now`, as observed from `clock`.

        Nothing observed before counts any more. Without a reading the time
        until the next one is not credited either.
        """
        return Ledger(
            {
                key: entry._replace(
                    entered=now, delete_on=now + grace, observed=_NOTHING
                )
                for key, entry in self.entries.items()
            },
            clock,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the ledger as JSON data, with its version, for a Home Assistant Store."""
        data: dict[str, Any] = {
            "version": LEDGER_VERSION,
            "entries": {key: e.to_dict() for key, e in self.entries.items()},
        }
        if self.clock is not None:
            data["clock"] = self.clock.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Ledger:
        """Read a ledger written by `to_dict`; raise LedgerError on anything else."""
        if not isinstance(data, Mapping):
            raise LedgerError("The ledger is not an object")
        version = data.get("version")
        if version != LEDGER_VERSION:
            raise LedgerError(f"Unsupported ledger version {version!r}")
        entries = data.get("entries", {})
        if not isinstance(entries, Mapping):
            raise LedgerError("The ledger entries are not an object")
        clock = data.get("clock")
        try:
            reading = None if clock is None else ClockReading.from_dict(clock)
        except (TypeError, ValueError) as err:
            raise LedgerError(
                f"The ledger's clock reading is unreadable: {err}"
            ) from err
        return cls(
            {
                str(key): LedgerEntry.from_dict(str(key), value)
                for key, value in entries.items()
            },
            reading,
        )


def _read_datetime(key: str, name: str, value: Any) -> datetime:
    """Read an ISO 8601 date with a time zone; a date without one is ambiguous."""
    if not isinstance(value, str):
        raise LedgerError(f"Ledger entry {key!r}: {name} is missing")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise LedgerError(f"Ledger entry {key!r}: {name} is not a date") from err
    if parsed.tzinfo is None:
        raise LedgerError(f"Ledger entry {key!r}: {name} has no time zone")
    return parsed

"""The leaving-soon ledger as stored data: versioned, strict, immutable."""

from __future__ import annotations

from datetime import timedelta
import json
import re
from typing import Any

import pytest

from custom_components.lcars.cleanup import (
    LEDGER_VERSION,
    Ledger,
    LedgerEntry,
    LedgerError,
)

from .factories import NOW, days_ago, movie, run, standard_disks


def stored(**entries: Any) -> dict[str, Any]:
    return {"version": LEDGER_VERSION, "entries": entries}


GOOD = {
    "entered": "2026-11-01T09:00:00+00:00",
    "delete_on": "2026-11-15T09:00:00+00:00",
}


def test_stored_form_is_plain_json() -> None:
    entry = LedgerEntry(
        entered=NOW,
        delete_on=NOW + timedelta(days=14),
        attempts=2,
        last_error="HTTP 500",
        last_attempt=NOW,
    )
    data = Ledger({"radarr/main/movie/1": entry}).to_dict()

    assert data == {
        "version": 1,
        "entries": {
            "radarr/main/movie/1": {
                "entered": "2026-11-15T12:00:00+00:00",
                "delete_on": "2026-11-29T12:00:00+00:00",
                "attempts": 2,
                "last_error": "HTTP 500",
                "last_attempt": "2026-11-15T12:00:00+00:00",
            }
        },
    }
    assert (
        Ledger.from_dict(json.loads(json.dumps(data))).get("radarr/main/movie/1")
        == entry
    )


def test_minimal_entry_takes_defaults() -> None:
    ledger = Ledger.from_dict(stored(a=GOOD))
    entry = ledger.get("a")
    assert entry is not None
    assert (entry.attempts, entry.last_error, entry.last_attempt) == (0, None, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "The ledger is not an object"),
        ({"entries": {}}, "Unsupported ledger version None"),
        ({"version": 2, "entries": {}}, "Unsupported ledger version 2"),
        ({"version": 1, "entries": []}, "The ledger entries are not an object"),
        (stored(a="x"), "Ledger entry 'a' is not an object"),
        (
            stored(a={**GOOD, "entered": "2026-11-01T09:00:00"}),
            "Ledger entry 'a': entered has no time zone",
        ),
        (
            stored(a={**GOOD, "delete_on": "soon"}),
            "Ledger entry 'a': delete_on is not a date",
        ),
        (
            stored(a={"delete_on": GOOD["delete_on"]}),
            "Ledger entry 'a': entered is missing",
        ),
        (
            stored(a={**GOOD, "attempts": -1}),
            "Ledger entry 'a' has an invalid attempt count",
        ),
        (
            stored(a={**GOOD, "attempts": True}),
            "Ledger entry 'a' has an invalid attempt count",
        ),
        (stored(a={**GOOD, "last_error": 5}), "Ledger entry 'a' has an invalid error"),
        (
            stored(a={**GOOD, "last_attempt": "later"}),
            "Ledger entry 'a': last_attempt is not a date",
        ),
        (
            stored(a={**GOOD, "observed_microseconds": "10"}),
            "Ledger entry 'a' has an invalid observed time",
        ),
        (
            stored(a={**GOOD, "observed_microseconds": 10**30}),
            "Ledger entry 'a' has an invalid observed time",
        ),
    ],
)
def test_unreadable_data_is_refused(data: Any, message: str) -> None:
    """The whole message is logged when the stored state cannot be read."""
    with pytest.raises(LedgerError, match=f"^{re.escape(message)}$"):
        Ledger.from_dict(data)


def test_ledger_cannot_be_changed_behind_its_back() -> None:
    entries = {"a": LedgerEntry(entered=NOW, delete_on=NOW)}
    ledger = Ledger(entries)
    entries["b"] = LedgerEntry(entered=NOW, delete_on=NOW)
    assert len(ledger) == 1
    with pytest.raises(TypeError):
        ledger.entries["c"] = entries["b"]  # type: ignore[index]


def test_recording_outcomes_returns_new_ledgers() -> None:
    ledger = Ledger({"a": LedgerEntry(entered=NOW, delete_on=NOW)})

    failed = ledger.record_failure("a", "timeout", NOW).record_failure("zzz", "x", NOW)
    deleted = failed.record_deleted(["a"])

    assert ledger.get("a") == LedgerEntry(entered=NOW, delete_on=NOW)
    assert failed.get("a") == LedgerEntry(
        entered=NOW, delete_on=NOW, attempts=1, last_error="timeout", last_attempt=NOW
    )
    assert "zzz" not in failed
    assert len(deleted) == 0
    assert failed.clear_failures("a") == ledger


def test_new_entries_use_the_clock_of_the_plan() -> None:
    item = movie(1, added=days_ago(300))
    plan = run([item], standard_disks(movies=1.0))
    data = plan.ledger.to_dict()
    assert data["entries"][item.key]["entered"] == NOW.isoformat()

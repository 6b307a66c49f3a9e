"""The cleanup's records: what is stored reads back the same, and nothing else reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
from typing import Any

import pytest

from custom_components.lcars.cleanup import Ledger, LedgerEntry, LedgerError
from custom_components.lcars.cleanup.records import (
    CleanupRunSummary,
    CleanupState,
    DeletedEntry,
    LeavingSoonEntry,
)

from .factories import NOW

ENTERED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# A zone other than UTC: a stored moment keeps its offset.
PLUS_TWO = timezone(timedelta(hours=2))


def leaving(**changes: Any) -> LeavingSoonEntry:
    """A movie on leaving soon."""
    fields: dict[str, Any] = {
        "key": "radarr/abc/movie/7",
        "title": "Alien",
        "kind": "movie",
        "service": "radarr",
        "instance": "Radarr 4K",
        "root_folder": "/movies",
        "size": 4_000_000_000,
        "entered": ENTERED,
        "delete_on": datetime(2026, 3, 15, 14, 0, tzinfo=PLUS_TWO),
        "reason": "Not watched for 400 days",
        "jellyfin_id": "jf-7",
    }
    fields.update(changes)
    return LeavingSoonEntry(**fields)


def summary(**changes: Any) -> CleanupRunSummary:
    """A run that deleted one movie and failed on another."""
    fields: dict[str, Any] = {
        "started": ENTERED,
        "finished": ENTERED + timedelta(seconds=42),
        "result": "error",
        "dry_run": False,
        "trigger": "schedule",
        "deleted": (leaving().deleted(),),
        "failed": (("radarr/abc/movie/8", "Aliens", "HTTP 500"),),
        "bytes_freed": 4_000_000_000,
        "leaving_soon_count": 3,
        "message": "1 of 2 deletions failed",
    }
    fields.update(changes)
    return CleanupRunSummary(**fields)


def through_json(data: dict[str, Any]) -> Any:
    """What a Store gives back: the data written as JSON and read again."""
    return json.loads(json.dumps(data))


def test_a_leaving_soon_entry_reads_back_the_same() -> None:
    entry = leaving()
    again = LeavingSoonEntry.from_dict(through_json(entry.as_dict()))
    assert again == entry
    assert again.delete_on.utcoffset() == timedelta(hours=2)


def test_a_leaving_soon_entry_without_a_jellyfin_item_reads_back() -> None:
    entry = leaving(jellyfin_id=None)
    assert LeavingSoonEntry.from_dict(through_json(entry.as_dict())) == entry
    stored = entry.as_dict()
    del stored["jellyfin_id"]
    assert LeavingSoonEntry.from_dict(stored).jellyfin_id is None


def test_a_deleted_entry_keeps_what_the_person_reads() -> None:
    deleted = leaving().deleted()
    assert deleted == DeletedEntry(
        key="radarr/abc/movie/7",
        title="Alien",
        kind="movie",
        service="radarr",
        instance="Radarr 4K",
        size=4_000_000_000,
        reason="Not watched for 400 days",
    )
    assert DeletedEntry.from_dict(through_json(deleted.as_dict())) == deleted


def test_a_run_summary_reads_back_the_same() -> None:
    run = summary()
    data = run.as_dict()
    assert data["failed"] == [
        {"key": "radarr/abc/movie/8", "title": "Aliens", "error": "HTTP 500"}
    ]
    assert CleanupRunSummary.from_dict(through_json(data)) == run
    quiet = summary(result="nothing_to_do", deleted=(), failed=(), message=None)
    assert CleanupRunSummary.from_dict(through_json(quiet.as_dict())) == quiet


def test_a_run_summary_of_an_unknown_result_is_refused() -> None:
    data = summary().as_dict()
    data["result"] = "partly"
    with pytest.raises(ValueError, match="unknown cleanup result 'partly'"):
        CleanupRunSummary.from_dict(data)


@pytest.mark.parametrize("field", ["deleted", "failed"])
def test_a_run_summary_whose_lists_are_not_lists_is_refused(field: str) -> None:
    data = summary().as_dict()
    data[field] = {"0": data[field]}
    with pytest.raises(TypeError, match="expected a list, not dict"):
        CleanupRunSummary.from_dict(data)


def test_a_moment_without_a_zone_is_refused() -> None:
    data = leaving().as_dict()
    # Which moment is it? Local time where?
    data["entered"] = "2026-03-01T12:00:00"
    with pytest.raises(
        ValueError, match=r"^not a date and time with a zone: '2026-03-01T12:00:00'$"
    ):
        LeavingSoonEntry.from_dict(data)


@pytest.mark.parametrize(
    ("moment", "error"),
    [
        ("2026-03-01T12:00:00", ValueError),
        ("next tuesday", ValueError),
        ("", ValueError),
        (1_772_366_400, TypeError),
    ],
)
def test_a_moment_that_is_not_a_zoned_date_and_time_is_refused(
    moment: Any, error: type[Exception]
) -> None:
    data = leaving().as_dict()
    data["delete_on"] = moment
    with pytest.raises(error):
        LeavingSoonEntry.from_dict(data)


def test_a_jellyfin_item_that_is_not_text_is_refused() -> None:
    data = leaving().as_dict()
    data["jellyfin_id"] = 7
    with pytest.raises(TypeError, match="expected text, not int"):
        LeavingSoonEntry.from_dict(data)


def test_a_missing_field_is_refused() -> None:
    data = leaving().as_dict()
    del data["reason"]
    with pytest.raises(KeyError):
        LeavingSoonEntry.from_dict(data)


def test_a_new_state_is_a_dry_run_with_nothing_listed() -> None:
    state = CleanupState()
    assert state.dry_run is True
    assert state.automatic is True
    assert state.ledger == Ledger()
    assert state.leaving_soon == ()
    assert state.last_run is None


def test_a_state_reads_back_the_same() -> None:
    ledger = Ledger(
        {
            "radarr/abc/movie/7": LedgerEntry(
                entered=NOW,
                delete_on=NOW + timedelta(days=14),
                attempts=1,
                last_error="HTTP 500",
                last_attempt=NOW,
            )
        }
    )
    state = CleanupState(
        dry_run=False,
        automatic=False,
        ledger=ledger,
        leaving_soon=(leaving(), leaving(key="radarr/abc/movie/9", title="Prometheus")),
        last_run=summary(),
    )
    assert CleanupState.from_dict(through_json(state.as_dict())) == state
    empty = CleanupState()
    assert empty.as_dict()["last_run"] is None
    assert CleanupState.from_dict(through_json(empty.as_dict())) == empty


def test_a_state_stored_without_switches_or_lists_is_a_dry_run() -> None:
    state = CleanupState.from_dict({"ledger": Ledger().to_dict()})
    assert state == CleanupState()
    # An empty last run is no run.
    stored = {"ledger": Ledger().to_dict(), "last_run": {}}
    assert CleanupState.from_dict(stored).last_run is None


@pytest.mark.parametrize(
    ("stored", "error", "message"),
    [
        ([], TypeError, "the stored state is a list"),
        ("state", TypeError, "the stored state is a str"),
        ({"dry_run": "no", "ledger": {}}, TypeError, "dry_run is not a boolean"),
        ({"automatic": 0, "ledger": {}}, TypeError, "automatic is not a boolean"),
        ({}, LedgerError, "The ledger is not an object"),
        (
            {"ledger": Ledger().to_dict(), "leaving_soon": {}},
            TypeError,
            "expected a list, not dict",
        ),
        (
            {"ledger": Ledger().to_dict(), "last_run": ["ok"]},
            TypeError,
            "^the last run is not an object$",
        ),
    ],
)
def test_a_state_of_the_wrong_shape_is_refused(
    stored: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        CleanupState.from_dict(stored)


def test_the_event_of_a_run_counts_and_names_no_item() -> None:
    assert summary().event_data() == {
        "result": "error",
        "dry_run": False,
        "trigger": "schedule",
        "deleted": 1,
        "failed": 1,
        "bytes_freed": 4_000_000_000,
        "leaving_soon": 3,
        "message": "1 of 2 deletions failed",
    }


def test_a_run_summary_counts_nothing_unless_told() -> None:
    bare = CleanupRunSummary(
        started=ENTERED,
        finished=ENTERED,
        result="error",
        dry_run=True,
        trigger="button",
    )
    assert (bare.deleted, bare.failed, bare.message) == ((), (), None)
    assert bare.bytes_freed == 0
    assert bare.leaving_soon_count == 0


def test_a_leaving_soon_entry_lists_what_where_when_and_why() -> None:
    """The list shown of leaving soon: no key, service or Jellyfin id."""
    assert leaving().listing() == {
        "title": "Alien",
        "kind": "movie",
        "instance": "Radarr 4K",
        "root_folder": "/movies",
        "size": 4_000_000_000,
        "delete_on": "2026-03-15T14:00:00+02:00",
        "reason": "Not watched for 400 days",
    }


def test_a_run_tells_how_it_started_and_what_it_did_in_counts() -> None:
    assert summary().outcome() == {
        "trigger": "schedule",
        "dry_run": False,
        "deleted": 1,
        "failed": 1,
        "message": "1 of 2 deletions failed",
    }
    assert summary(
        deleted=(), failed=(), dry_run=True, trigger="button", message=None
    ).outcome() == {
        "trigger": "button",
        "dry_run": True,
        "deleted": 0,
        "failed": 0,
        "message": None,
    }

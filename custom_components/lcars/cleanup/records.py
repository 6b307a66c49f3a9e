"""What the cleanup keeps of itself: leaving soon, deletions, runs, switches.

These are the records the entities, the calendar and the events show, and
the stored state of one entry (`CleanupState`) with its JSON form. Reading
stored data raises (TypeError, ValueError, KeyError, `LedgerError`) on
anything of the wrong shape: the caller then starts anew rather than trust it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, get_args

from .ledger import Ledger

type CleanupResult = Literal[
    "ok", "dry_run", "listed", "nothing_to_do", "failed_closed", "error"
]

_RESULTS: Final = frozenset(get_args(CleanupResult.__value__))


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _moment(text: str) -> datetime:
    """Read a stored moment; ValueError unless it names its time zone."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f"not a date and time with a zone: {text!r}")
    return parsed


def _optional_text(value: Any) -> str | None:
    """Return stored text that may be missing; TypeError for anything else."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"expected text, not {type(value).__name__}")
    return value


def _list(value: Any) -> list[Any]:
    """Return stored data that must be a list; TypeError otherwise."""
    if not isinstance(value, list):
        raise TypeError(f"expected a list, not {type(value).__name__}")
    return value


def _flag(stored: Mapping[str, Any], key: str) -> bool:
    """Return a stored switch (on when missing); TypeError when not a boolean."""
    value = stored.get(key, True)
    if not isinstance(value, bool):
        raise TypeError(f"{key} is not a boolean")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class LeavingSoonEntry:
    """One item on leaving soon, as the entities and the calendar show it."""

    key: str
    title: str
    kind: str
    service: str
    instance: str
    root_folder: str
    size: int
    entered: datetime
    delete_on: datetime
    reason: str
    # The Jellyfin item shown in the Leaving Soon collection.
    jellyfin_id: str | None = None

    def deleted(self) -> DeletedEntry:
        """Return the record of this item once a run deletes it."""
        return DeletedEntry(
            key=self.key,
            title=self.title,
            kind=self.kind,
            service=self.service,
            instance=self.instance,
            size=self.size,
            reason=self.reason,
        )

    def listing(self) -> dict[str, Any]:
        """Return what a list of leaving soon shows: what, where, when and why."""
        return {
            "title": self.title,
            "kind": self.kind,
            "instance": self.instance,
            "root_folder": self.root_folder,
            "size": self.size,
            "delete_on": self.delete_on.isoformat(),
            "reason": self.reason,
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as JSON data."""
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "service": self.service,
            "instance": self.instance,
            "root_folder": self.root_folder,
            "size": self.size,
            "entered": _iso(self.entered),
            "delete_on": _iso(self.delete_on),
            "reason": self.reason,
            "jellyfin_id": self.jellyfin_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LeavingSoonEntry:
        """Read an entry written by `as_dict`."""
        return cls(
            key=str(data["key"]),
            title=str(data["title"]),
            kind=str(data["kind"]),
            service=str(data["service"]),
            instance=str(data["instance"]),
            root_folder=str(data["root_folder"]),
            size=int(data["size"]),
            entered=_moment(data["entered"]),
            delete_on=_moment(data["delete_on"]),
            reason=str(data["reason"]),
            jellyfin_id=_optional_text(data.get("jellyfin_id")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeletedEntry:
    """An item a run deleted (or, in a dry run, would have deleted)."""

    key: str
    title: str
    kind: str
    service: str
    instance: str
    size: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as JSON data."""
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "service": self.service,
            "instance": self.instance,
            "size": self.size,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeletedEntry:
        """Read an entry written by `as_dict`."""
        return cls(
            key=str(data["key"]),
            title=str(data["title"]),
            kind=str(data["kind"]),
            service=str(data["service"]),
            instance=str(data["instance"]),
            size=int(data["size"]),
            reason=str(data["reason"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupRunSummary:
    """What one cleanup run did."""

    started: datetime
    finished: datetime
    result: CleanupResult
    dry_run: bool
    trigger: str
    # In a dry run: what would have been deleted.
    deleted: tuple[DeletedEntry, ...] = ()
    # (key, title, error) of the deletions that failed.
    failed: tuple[tuple[str, str, str], ...] = ()
    bytes_freed: int = 0
    leaving_soon_count: int = 0
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as JSON data."""
        return {
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "result": self.result,
            "dry_run": self.dry_run,
            "trigger": self.trigger,
            "deleted": [entry.as_dict() for entry in self.deleted],
            "failed": [
                {"key": key, "title": title, "error": error}
                for key, title, error in self.failed
            ],
            "bytes_freed": self.bytes_freed,
            "leaving_soon_count": self.leaving_soon_count,
            "message": self.message,
        }

    def outcome(self) -> dict[str, Any]:
        """Return how the run was started and what it did, in counts."""
        return {
            "trigger": self.trigger,
            "dry_run": self.dry_run,
            "deleted": len(self.deleted),
            "failed": len(self.failed),
            "message": self.message,
        }

    def event_data(self) -> dict[str, Any]:
        """Return what the event of a finished run tells: counts, not items."""
        return {
            "result": self.result,
            "dry_run": self.dry_run,
            "trigger": self.trigger,
            "deleted": len(self.deleted),
            "failed": len(self.failed),
            "bytes_freed": self.bytes_freed,
            "leaving_soon": self.leaving_soon_count,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CleanupRunSummary:
        """Read a summary written by `as_dict`; ValueError on an unknown result."""
        # Any, from JSON data: only one of the known results passes.
        result: CleanupResult = data["result"]
        if result not in _RESULTS:
            raise ValueError(f"unknown cleanup result {result!r}")
        return cls(
            started=_moment(data["started"]),
            finished=_moment(data["finished"]),
            result=result,
            dry_run=bool(data["dry_run"]),
            trigger=str(data["trigger"]),
            deleted=tuple(DeletedEntry.from_dict(d) for d in _list(data["deleted"])),
            failed=tuple(
                (str(f["key"]), str(f["title"]), str(f["error"]))
                for f in _list(data["failed"])
            ),
            bytes_freed=int(data["bytes_freed"]),
            leaving_soon_count=int(data["leaving_soon_count"]),
            message=data.get("message"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanupState:
    """The stored state of one entry's cleanup: switches, ledger, list, last run."""

    # Dry run stays on until the user turns it off, across restarts.
    dry_run: bool = True
    automatic: bool = True
    ledger: Ledger = field(default_factory=Ledger)
    leaving_soon: tuple[LeavingSoonEntry, ...] = ()
    last_run: CleanupRunSummary | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the state as JSON data, for a Home Assistant Store."""
        return {
            "dry_run": self.dry_run,
            "automatic": self.automatic,
            "ledger": self.ledger.to_dict(),
            "leaving_soon": [entry.as_dict() for entry in self.leaving_soon],
            "last_run": self.last_run.as_dict() if self.last_run else None,
        }

    @classmethod
    def from_dict(cls, stored: Any) -> CleanupState:
        """Read a state written by `as_dict`; raise on the wrong shape or type."""
        if not isinstance(stored, Mapping):
            raise TypeError(f"the stored state is a {type(stored).__name__}")
        dry_run, automatic = _flag(stored, "dry_run"), _flag(stored, "automatic")
        ledger = Ledger.from_dict(stored.get("ledger"))
        leaving_soon = tuple(
            LeavingSoonEntry.from_dict(e) for e in _list(stored.get("leaving_soon", []))
        )
        last = stored.get("last_run")
        if last is not None and not isinstance(last, Mapping):
            raise TypeError("the last run is not an object")
        return cls(
            dry_run=dry_run,
            automatic=automatic,
            ledger=ledger,
            leaving_soon=leaving_soon,
            last_run=CleanupRunSummary.from_dict(last) if last else None,
        )


__all__ = [
    "CleanupResult",
    "CleanupRunSummary",
    "CleanupState",
    "DeletedEntry",
    "LeavingSoonEntry",
]

"""The stored state of one entry's cleanup, and the repair issues about it.

What is stored reads and writes itself in `cleanup.records.CleanupState`;
this module keeps it in a Home Assistant `Store` and tells the user, by a
repair issue, when it could not be read or when watch data is missing.

A large library puts tens of thousands of entries in the ledger and on
leaving soon. Their JSON is built and encoded in the executor, compact, a
few hundred entries per encoder call (each call holds the interpreter
lock), and handed to the Store as ready JSON fragments: the Store's own
encoding (indented, on the event loop in newer releases) only copies them.
The file is written only when what it would hold changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
import hashlib
from typing import Any, Final

import orjson

from custom_components.lcars.cleanup import Ledger, LedgerError, SourceHealth
from custom_components.lcars.cleanup.records import CleanupState
from custom_components.lcars.const import DOMAIN, LOGGER
from custom_components.lcars.runtime.long_lived import with_objects_set_aside
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.json import json_fragment
from homeassistant.helpers.storage import Store

# Repair issues, one of each per entry (the entry id follows the name).
ISSUE_STATE_UNREADABLE: Final = "cleanup_state_unreadable"
ISSUE_WATCH_DATA_MISSING: Final = "jellyfin_watch_data_missing"

STORAGE_VERSION: Final = 1

# Entries encoded per call of the JSON encoder, which holds the interpreter
# lock (and so stalls the event loop) for as long as it runs.
ENTRIES_PER_ENCODING: Final = 500


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    # Atomic: a crash while writing leaves the previous file, never half of one.
    return Store(
        hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.cleanup", atomic_writes=True
    )


def compact_json(value: Any) -> bytes:
    """Encode JSON data without spaces, a large list or object a part at a time."""
    if isinstance(value, dict) and len(value) > ENTRIES_PER_ENCODING:
        pairs = list(value.items())
        return (
            b"{"
            + b",".join(
                orjson.dumps(dict(pairs[i : i + ENTRIES_PER_ENCODING]))[1:-1]
                for i in range(0, len(pairs), ENTRIES_PER_ENCODING)
            )
            + b"}"
        )
    if isinstance(value, dict):
        return (
            b"{"
            + b",".join(
                orjson.dumps(key) + b":" + compact_json(item)
                for key, item in value.items()
            )
            + b"}"
        )
    if isinstance(value, list) and len(value) > ENTRIES_PER_ENCODING:
        return (
            b"["
            + b",".join(
                orjson.dumps(value[i : i + ENTRIES_PER_ENCODING])[1:-1]
                for i in range(0, len(value), ENTRIES_PER_ENCODING)
            )
            + b"]"
        )
    return orjson.dumps(value)


class _Encoder:
    """The state as the Store's data, its large parts as ready JSON fragments.

    Runs in the executor. A part whose source is the same object as at the
    last save (the ledger and leaving soon are immutable) is not encoded again.
    """

    def __init__(self) -> None:
        self._parts: dict[str, tuple[object, bytes]] = {}

    def _part(self, name: str, source: object, build: Callable[[], Any]) -> bytes:
        known = self._parts.get(name)
        if known is not None and known[0] is source:
            return known[1]
        encoded = compact_json(build())
        self._parts[name] = (source, encoded)
        return encoded

    def encode(self, state: CleanupState) -> tuple[dict[str, Any], bytes]:
        """Return the Store's data and a digest of it."""
        ledger = self._part("ledger", state.ledger, state.ledger.to_dict)
        leaving_soon = self._part(
            "leaving_soon",
            state.leaving_soon,
            lambda: [entry.as_dict() for entry in state.leaving_soon],
        )
        # The small parts as `CleanupState.as_dict` writes them.
        parts = {
            key: compact_json(value)
            for key, value in replace(state, ledger=Ledger(), leaving_soon=())
            .as_dict()
            .items()
        }
        parts["ledger"], parts["leaving_soon"] = ledger, leaving_soon
        digest = hashlib.blake2b(digest_size=16)
        for key, encoded in parts.items():
            digest.update(orjson.dumps(key))
            digest.update(encoded)
        data = {key: json_fragment(encoded) for key, encoded in parts.items()}
        return data, digest.digest()


class CleanupStore:
    """Where one entry's cleanup keeps its switches, ledger, list and last run."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Keep the state of `entry`."""
        self.hass = hass
        self.entry = entry
        self._store = _store(hass, entry.entry_id)
        self._encoder = _Encoder()
        # One save at a time, in the order asked; the digest of the last one.
        self._lock = asyncio.Lock()
        self._written: bytes | None = None

    async def async_load(self) -> CleanupState:
        """Return the stored state, or a new one when there is none.

        Stored state that cannot be read, whatever its shape, is dropped:
        dry run is on, nothing is listed, and a repair issue says so.
        """
        try:
            stored = await self._store.async_load()
            return CleanupState() if stored is None else CleanupState.from_dict(stored)
        except (
            HomeAssistantError,
            NotImplementedError,
            LedgerError,
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
        ) as err:
            # Starting again from an empty ledger restarts every grace period:
            # items wait longer, never shorter; and nothing is deleted until
            # an administrator turns dry run off again.
            LOGGER.warning(
                "The stored cleanup state is unreadable; dry run is on and"
                " the cleanup starts anew: %s",
                err,
            )
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                f"{ISSUE_STATE_UNREADABLE}_{self.entry.entry_id}",
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_STATE_UNREADABLE,
                translation_placeholders={
                    "entry": self.entry.title,
                    "error": str(err)[:200],
                },
            )
            return CleanupState()

    async def async_save(self, state: CleanupState) -> bool:
        """Save the state at once, unless it is what was saved last.

        Return whether the file was written.
        """
        async with self._lock:
            data, digest = await self.hass.async_add_executor_job(
                with_objects_set_aside(self._encoder.encode), state
            )
            if digest == self._written:
                return False
            await self._store.async_save(data)
            self._written = digest
            return True

    @staticmethod
    async def async_remove(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the stored state (and the repair issues) of a removed entry."""
        await _store(hass, entry_id).async_remove()
        for issue in (ISSUE_STATE_UNREADABLE, ISSUE_WATCH_DATA_MISSING):
            ir.async_delete_issue(hass, DOMAIN, f"{issue}_{entry_id}")

    @callback
    def clear_unreadable_issue(self) -> None:
        """Withdraw the notice of a lost state: an administrator decided."""
        ir.async_delete_issue(
            self.hass, DOMAIN, f"{ISSUE_STATE_UNREADABLE}_{self.entry.entry_id}"
        )

    @callback
    def update_watch_data_issue(self, health: SourceHealth, jellyfin: str) -> None:
        """Tell the user which counted users' watch data on `jellyfin` is missing."""
        issue_id = f"{ISSUE_WATCH_DATA_MISSING}_{self.entry.entry_id}"
        if not health.watch_data_gaps:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_WATCH_DATA_MISSING,
            translation_placeholders={
                "users": ", ".join(gap.user for gap in health.watch_data_gaps),
                "service": jellyfin,
            },
        )


__all__ = [
    "ISSUE_STATE_UNREADABLE",
    "ISSUE_WATCH_DATA_MISSING",
    "STORAGE_VERSION",
    "CleanupStore",
]

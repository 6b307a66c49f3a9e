"""The stored state of one entry's cleanup, and the repair issues about it.

What is stored reads and writes itself in `cleanup.records.CleanupState`;
this module keeps it in a Home Assistant `Store` and tells the user, by a
repair issue, when it could not be read or when watch data is missing.
"""

from __future__ import annotations

from typing import Any, Final

from custom_components.lcars.cleanup import LedgerError, SourceHealth
from custom_components.lcars.cleanup.records import CleanupState
from custom_components.lcars.const import DOMAIN, LOGGER
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store

# Repair issues, one of each per entry (the entry id follows the name).
ISSUE_STATE_UNREADABLE: Final = "cleanup_state_unreadable"
ISSUE_WATCH_DATA_MISSING: Final = "jellyfin_watch_data_missing"

STORAGE_VERSION: Final = 1


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.cleanup")


class CleanupStore:
    """Where one entry's cleanup keeps its switches, ledger, list and last run."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        """Keep the state of `entry`."""
        self.hass = hass
        self.entry = entry
        self._store = _store(hass, entry.entry_id)

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

    async def async_save(self, state: CleanupState) -> None:
        """Save the state at once."""
        await self._store.async_save(state.as_dict())

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

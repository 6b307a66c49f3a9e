"""What a change of a loaded entry touches, and applying only that.

Changing the polling interval, the cleanup options or the BitTorrent options
applies to that part alone: the coordinators poll at the new interval, the
cleanup takes its new options, BitTorrent restarts with its own; nothing
else stops, and libtorrent keeps running unless its own options changed.
Any other change (a service added, changed or removed, the entry's data or
title, an option LCARS does not apply in place) reloads the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from custom_components.lcars.cleanup import PolicyError
from custom_components.lcars.const import (
    CONF_ADDING,
    CONF_CLEANUP,
    CONF_SCAN_INTERVAL,
    LOGGER,
)
from custom_components.lcars.coordinator import scan_interval
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant

if TYPE_CHECKING:
    from custom_components.lcars.data import LcarsConfigEntry

# The options applied without a reload.
# Adding options are read by the actions at each call: nothing to apply.
APPLIED_IN_PLACE: Final = frozenset(
    {CONF_SCAN_INTERVAL, CONF_CLEANUP, CONF_TORRENT, CONF_ADDING}
)


@dataclass(frozen=True, slots=True)
class EntryState:
    """What a loaded entry was set up with, or last applied."""

    title: str
    data: dict[str, Any]
    subentries: dict[str, ConfigSubentry]
    options: dict[str, Any]

    @classmethod
    def of(cls, entry: LcarsConfigEntry) -> EntryState:
        """Copy what the entry holds now."""
        return cls(
            title=entry.title,
            data=deepcopy(dict(entry.data)),
            subentries=dict(entry.subentries),
            options=deepcopy(dict(entry.options)),
        )

    def changed_options(self, other: EntryState) -> set[str]:
        """Return the option keys whose values differ."""
        keys = self.options.keys() | other.options.keys()
        return {key for key in keys if self.options.get(key) != other.options.get(key)}

    def same_apart_from_options(self, other: EntryState) -> bool:
        """Return whether only the options may differ."""
        return (self.title, self.data, self.subentries) == (
            other.title,
            other.data,
            other.subentries,
        )


def _cleanup_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    found = options.get(CONF_CLEANUP)
    return found if isinstance(found, Mapping) else {}


class EntryUpdates:
    """The update listener of one loaded entry."""

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Remember what the entry is being set up with."""
        self._applied = EntryState.of(entry)

    async def async_on_update(
        self, hass: HomeAssistant, entry: LcarsConfigEntry
    ) -> None:
        """Apply a change of the entry: in place where it can be, else a reload."""
        before, now = self._applied, EntryState.of(entry)
        changed = before.changed_options(now)
        if (
            entry.state is not ConfigEntryState.LOADED
            or not changed
            or not changed <= APPLIED_IN_PLACE
            or not before.same_apart_from_options(now)
        ):
            # Also a change this cannot see (none of the above): as before.
            hass.config_entries.async_schedule_reload(entry.entry_id)
            return
        data = entry.runtime_data
        if CONF_CLEANUP in changed:
            try:
                await data.cleanup.async_apply_options(_cleanup_options(now.options))
            except (PolicyError, TypeError, ValueError):
                # The reload tells the user, as a setup with them does.
                hass.config_entries.async_schedule_reload(entry.entry_id)
                return
        if CONF_TORRENT in changed:
            torrent = now.options.get(CONF_TORRENT) or {}
            await data.handoff.async_stop()
            if not await data.torrent.async_apply_options(torrent):
                hass.config_entries.async_schedule_reload(entry.entry_id)
                return
            await data.handoff.async_start()
        if CONF_SCAN_INTERVAL in changed:
            interval = scan_interval(entry)
            for coordinator in data.coordinators.values():
                coordinator.async_set_poll_interval(interval)
        self._applied = now
        LOGGER.debug("Applied new options without a reload: %s", sorted(changed))

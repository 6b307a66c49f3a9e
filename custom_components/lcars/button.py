"""Buttons of LCARS: run the cleanup now."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import LcarsConfigEntry
from .entity import CleanupDeviceEntity
from .permissions import async_require_admin

# A run of the cleanup waits for the one before it in the cleanup itself.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the button that runs the cleanup."""
    async_add_entities([RunCleanupButton(entry)])


class RunCleanupButton(CleanupDeviceEntity, ButtonEntity):
    """Runs the cleanup now, as a dry run while dry run is on."""

    _attr_translation_key = "run_cleanup"

    def __init__(self, entry: LcarsConfigEntry) -> None:
        """Run the cleanup of one LCARS entry."""
        super().__init__(entry, "run_cleanup")

    async def async_press(self) -> None:
        """Run the cleanup and wait until it is done (administrators only).

        Even a dry run starts the grace period of what it lists as leaving
        soon. Home Assistant sets the caller's context just before the press.
        """
        await async_require_admin(self.hass, self._context)
        await self.manager.async_run(trigger="button")

"""Switches of LCARS: how the cleanup runs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import LcarsConfigEntry
from .entity import CleanupEntity
from .permissions import async_require_admin
from .runtime.cleanup import CleanupManager

# The switches only change settings of the cleanup, kept in memory and a store.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class CleanupSwitchEntityDescription(SwitchEntityDescription):
    """A setting of the cleanup that is on or off."""

    is_on_fn: Callable[[CleanupManager], bool]
    set_fn: Callable[[CleanupManager, bool], Coroutine[Any, Any, None]]
    # Whether on (True) or off (False) lets the cleanup delete: only an
    # administrator turns the switch that way.
    deletes_when_on: bool
    attributes_fn: Callable[[CleanupManager], dict[str, Any]] | None = None


def _automatic_attributes(manager: CleanupManager) -> dict[str, Any]:
    """Tell when the next scheduled run starts, None while automatic runs are off."""
    next_run = manager.next_run
    return {"next_run": next_run.isoformat() if next_run else None}


CLEANUP_SWITCHES: tuple[CleanupSwitchEntityDescription, ...] = (
    CleanupSwitchEntityDescription(
        key="dry_run",
        translation_key="dry_run",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda manager: manager.dry_run,
        set_fn=lambda manager, on: manager.async_set_dry_run(on),
        deletes_when_on=False,
    ),
    CleanupSwitchEntityDescription(
        key="automatic_cleanup",
        translation_key="automatic_cleanup",
        entity_category=EntityCategory.CONFIG,
        is_on_fn=lambda manager: manager.automatic,
        set_fn=lambda manager, on: manager.async_set_automatic(on),
        deletes_when_on=True,
        attributes_fn=_automatic_attributes,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LcarsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches of the cleanup."""
    async_add_entities(
        CleanupSwitch(entry, description) for description in CLEANUP_SWITCHES
    )


class CleanupSwitch(CleanupEntity, SwitchEntity):
    """Turns a setting of the cleanup on or off; the cleanup keeps it."""

    entity_description: CleanupSwitchEntityDescription

    def __init__(
        self, entry: LcarsConfigEntry, description: CleanupSwitchEntityDescription
    ) -> None:
        """Follow one setting of the cleanup."""
        super().__init__(entry, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool:
        """Whether the setting is on."""
        return self.entity_description.is_on_fn(self.manager)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details, for the switches that have some."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.manager)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the setting on; the cleanup tells its entities."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the setting off; the cleanup tells its entities."""
        await self._async_set(False)

    async def _async_set(self, on: bool) -> None:
        """Change the setting; only an administrator makes deletion possible.

        Home Assistant sets the caller's context just before calling
        turn_on or turn_off: it is read before anything is awaited.
        """
        context = self._context
        if on is self.entity_description.deletes_when_on:
            await async_require_admin(self.hass, context)
        await self.entity_description.set_fn(self.manager, on)

"""Base entities of LCARS, and the entities of things that come and go.

One device per connected service, one for the cleanup, one for BitTorrent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .clients.models import QueueItem, RootFolder
from .const import DOMAIN
from .coordinator import AnyCoordinator, ArrCoordinator, LcarsCoordinator
from .data import LcarsConfigEntry
from .runtime.torrent import TorrentManager
from .torrent.options import BACKEND_NAMES

if TYPE_CHECKING:
    from .runtime.cleanup import CleanupManager


def service_device_info(coordinator: LcarsCoordinator[Any]) -> DeviceInfo:
    """Describe the device that stands for one connected service."""
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.subentry_id)},
        name=coordinator.subentry.title,
        manufacturer=coordinator.service_name,
        model=coordinator.service_name,
        sw_version=coordinator.version,
        configuration_url=coordinator.url,
        entry_type=DeviceEntryType.SERVICE,
    )


class LcarsEntity[CoordinatorT: AnyCoordinator](CoordinatorEntity[CoordinatorT]):
    """An entity of one connected service."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: CoordinatorT, key: str) -> None:
        """Attach the entity to the service's device; the key keeps ids stable."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.subentry_id}_{key}"
        self._attr_device_info = service_device_info(coordinator)

    @property
    def available(self) -> bool:
        """Available once the service answered, while its last read succeeded."""
        return super().available and self.coordinator.data is not None


class RootFolderEntity(LcarsEntity[ArrCoordinator]):
    """An entity of one root folder of an *arr service, named after its path."""

    def __init__(
        self, coordinator: ArrCoordinator, key: str, folder: RootFolder
    ) -> None:
        """Follow the root folder with this id."""
        super().__init__(coordinator, key)
        self._folder_id = folder.id
        self._attr_translation_placeholders = {"path": folder.path}

    @property
    def _folder(self) -> RootFolder | None:
        data = self.coordinator.data
        if data is None:
            return None
        return next((f for f in data.root_folders if f.id == self._folder_id), None)

    @property
    def available(self) -> bool:
        """Available while the service answers and the folder exists."""
        return super().available and self._folder is not None


class QueueItemEntity(LcarsEntity[ArrCoordinator]):
    """An entity of one download in an *arr queue, named after what it holds."""

    def __init__(self, coordinator: ArrCoordinator, key: str, item: QueueItem) -> None:
        """Follow the download with this queue id."""
        super().__init__(coordinator, key)
        self._item_id = item.id
        self._attr_translation_placeholders = {"title": item.title}

    @property
    def _item(self) -> QueueItem | None:
        data = self.coordinator.data
        if data is None:
            return None
        return next((i for i in data.queue if i.id == self._item_id), None)

    @property
    def available(self) -> bool:
        """Available while the service answers and the download is queued."""
        return super().available and self._item is not None


def cleanup_device_info(entry: LcarsConfigEntry) -> DeviceInfo:
    """Describe the device that gathers the cleanup of one LCARS entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_cleanup")},
        name="Cleanup",
        manufacturer="LCARS",
        entry_type=DeviceEntryType.SERVICE,
    )


class CleanupDeviceEntity(Entity):
    """An entity on the cleanup device of one LCARS entry."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: LcarsConfigEntry, key: str) -> None:
        """Attach the entity to the cleanup device; the key keeps ids stable."""
        self.manager: CleanupManager = entry.runtime_data.cleanup
        self._attr_unique_id = f"{entry.entry_id}_cleanup_{key}"
        self._attr_device_info = cleanup_device_info(entry)


class CleanupEntity(CleanupDeviceEntity):
    """An entity showing the cleanup, written again whenever the cleanup changes."""

    async def async_added_to_hass(self) -> None:
        """Follow the cleanup until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_listener(self._handle_cleanup_update)
        )

    @callback
    def _handle_cleanup_update(self) -> None:
        """Show the new state of the cleanup."""
        self.async_write_ha_state()


def torrent_device_info(entry: LcarsConfigEntry) -> DeviceInfo:
    """Describe the device that gathers the BitTorrent side of one LCARS entry."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_torrent")},
        name="BitTorrent",
        manufacturer="LCARS",
        # The device's model names the client that does the work.
        model=BACKEND_NAMES[entry.runtime_data.torrent.backend_kind],
        entry_type=DeviceEntryType.SERVICE,
    )


class TorrentDeviceEntity(Entity):
    """An entity on the BitTorrent device of one LCARS entry."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, entry: LcarsConfigEntry, key: str) -> None:
        """Attach the entity to the BitTorrent device; the key keeps ids stable."""
        self.manager: TorrentManager = entry.runtime_data.torrent
        self._attr_unique_id = f"{entry.entry_id}_torrent_{key}"
        self._attr_device_info = torrent_device_info(entry)

    @property
    def available(self) -> bool:
        """Available while the BitTorrent backend runs."""
        return self.manager.running


class TorrentEntity(TorrentDeviceEntity):
    """A BitTorrent entity written again after every status update."""

    async def async_added_to_hass(self) -> None:
        """Follow the manager until the entity is removed."""
        await super().async_added_to_hass()
        self.async_on_remove(self.manager.async_add_listener(self._handle_update))

    @callback
    def _handle_update(self) -> None:
        """Show the new figures."""
        self.async_write_ha_state()


@callback
def async_follow_keyed_entities[EntityT: Entity](
    hass: HomeAssistant,
    entry_id: str,
    *,
    domain: str,
    prefixes: tuple[str, ...],
    wanted: Callable[[], Mapping[str, Callable[[], EntityT]] | None],
    add: Callable[[list[EntityT]], None],
    listen: Callable[[CALLBACK_TYPE], CALLBACK_TYPE],
) -> CALLBACK_TYPE:
    """Give entities to things that come and go: root folders, downloads, torrents.

    `wanted` names, by unique id (each starting with one of `prefixes`), the entities
    wanted now and how to make each; None when that is not known now (the
    service does not answer), which keeps what there is. On every update the
    new ones are added and those gone leave, entity registry entry included:
    the difference between two sets of ids, with no scan of the registry
    but the one at setup that finds what was left from before a restart.
    Returns the function that stops following.
    """
    registry = er.async_get(hass)
    # Ids with a registry entry: from before a restart, or added since.
    present = {
        registry_entry.unique_id
        for registry_entry in er.async_entries_for_config_entry(registry, entry_id)
        if registry_entry.domain == domain
        and registry_entry.unique_id.startswith(prefixes)
    }
    # Ids whose entity this instance of the entry made.
    made: set[str] = set()

    @callback
    def _async_update() -> None:
        now = wanted()
        if now is None:
            return
        for unique_id in present - now.keys():
            entity_id = registry.async_get_entity_id(domain, DOMAIN, unique_id)
            if entity_id is not None:
                registry.async_remove(entity_id)
        present.intersection_update(now)
        made.intersection_update(now)
        new = {key: create for key, create in now.items() if key not in made}
        if new:
            made.update(new)
            present.update(new)
            add([create() for create in new.values()])

    _async_update()
    return listen(_async_update)

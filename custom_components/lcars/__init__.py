"""LCARS: the control room of a self-hosted media library."""

from __future__ import annotations

import asyncio

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .cleanup import PolicyError
from .clients import InvalidUrlError
from .connection import create_client
from .const import DOMAIN, LOGGER, SERVICE_TYPES
from .coordinator import AnyCoordinator, Services, create_coordinator
from .data import LcarsConfigEntry, LcarsData
from .runtime.artwork import async_setup_artwork
from .runtime.artwork_state import Artwork
from .runtime.cleanup import CleanupManager
from .runtime.handoff import TorrentHandoff
from .runtime.torrent import TorrentManager, async_remove_issues
from .runtime.torrent_backends import remove_state
from .runtime.updates import EntryUpdates
from .services import async_setup_services

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

# How long setup waits for the first read of the servers. Longer than a large
# library takes to read on a small machine, short enough that a server that
# hangs does not hold up Home Assistant's start.
FIRST_READ_WAIT_SECONDS = 20.0


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the LCARS actions and the view that serves artwork."""
    async_setup_services(hass)
    async_setup_artwork(hass)
    return True


def _create_coordinators(
    hass: HomeAssistant, entry: LcarsConfigEntry
) -> dict[str, AnyCoordinator]:
    """Make a client and a coordinator for each service of the entry."""
    coordinators: dict[str, AnyCoordinator] = {}
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type not in SERVICE_TYPES:
            # Left by a newer version of LCARS: keep it, but it cannot run here.
            LOGGER.warning(
                "%s is a kind of service this version does not know: %s",
                subentry.title,
                subentry.subentry_type,
            )
            continue
        try:
            client = create_client(hass, subentry.subentry_type, subentry.data)
        except InvalidUrlError as err:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="invalid_url",
                translation_placeholders={"service": subentry.title},
            ) from err
        coordinators[subentry_id] = create_coordinator(hass, entry, subentry, client)
    return coordinators


async def async_setup_entry(hass: HomeAssistant, entry: LcarsConfigEntry) -> bool:
    """Connect to every service of the entry and set up the platforms."""
    # New options apply to their part alone where they can; adding, changing
    # or removing a service, and any other change, reload the entry. Listen
    # before the first refreshes so a service added meanwhile is not lost.
    entry.async_on_unload(
        entry.add_update_listener(EntryUpdates(entry).async_on_update)
    )
    coordinators = _create_coordinators(hass, entry)

    # Every service is read once before the entities are made, so those that
    # answer have states at once. One that does not answer does not hold up
    # the others, the cleanup or the BitTorrent client: its entities are
    # unavailable and its coordinator retries, sooner at first (see
    # FIRST_RETRY), logging once when it fails and once when it is back.
    # async_refresh, not async_config_entry_first_refresh: that one raises
    # ConfigEntryNotReady and does not log the failure. A server that hangs
    # is waited for only so long; its first read goes on in the background
    # and its entities come up when it ends.
    first_reads = [
        entry.async_create_background_task(
            hass,
            coordinator.async_refresh(),
            f"lcars first read of {coordinator.subentry.title}",
        )
        for coordinator in coordinators.values()
    ]
    if first_reads:
        await asyncio.wait(first_reads, timeout=FIRST_READ_WAIT_SECONDS)

    torrent = TorrentManager(hass, entry)
    # Before the entities: a categorised torrent keeps its sensors.
    await torrent.async_load()
    try:
        cleanup = CleanupManager(hass, entry, Services(coordinators), torrent)
    except PolicyError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="invalid_cleanup_policy",
            translation_placeholders={"error": str(err)},
        ) from err
    await cleanup.async_load()
    entry.runtime_data = data = LcarsData(
        coordinators=coordinators,
        cleanup=cleanup,
        torrent=torrent,
        handoff=TorrentHandoff(hass, entry, torrent, Services(coordinators)),
        artwork=Artwork(),
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    data.cleanup.async_start()
    entry.async_on_unload(data.cleanup.async_stop)
    await data.torrent.async_start()
    # Stopped with the entry whatever happens after it started.
    entry.async_on_unload(data.torrent.async_stop)
    await data.handoff.async_setup()
    return True


async def async_unload_entry(hass: HomeAssistant, entry: LcarsConfigEntry) -> bool:
    """Unload the platforms; the coordinators stop with the entry.

    A cleanup run belongs to this instance of the entry: it stops first, so
    that nothing it does reaches a server or the store once unloading began.
    """
    await entry.runtime_data.cleanup.async_shutdown()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: LcarsConfigEntry) -> None:
    """Forget everything LCARS stored for the entry; downloaded files stay.

    The cleanup's ledger and switches, the torrents' links to the library
    and their categories, and the engine's resume data.
    """
    await CleanupManager.async_remove_store(hass, entry.entry_id)
    await TorrentHandoff.async_remove_store(hass, entry.entry_id)
    await TorrentManager.async_remove_store(hass, entry.entry_id)
    await hass.async_add_executor_job(remove_state, hass, entry.entry_id)
    async_remove_issues(hass, entry.entry_id)

"""The BitTorrent actions: add, pause, resume, remove and list torrents."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import voluptuous as vol

from custom_components.lcars.const import ATTR_CONFIG_ENTRY_ID, LOGGER
from custom_components.lcars.coordinator import RadarrCoordinator, SonarrCoordinator
from custom_components.lcars.data import LcarsConfigEntry
from custom_components.lcars.permissions import (
    PathNotAllowedError,
    async_check_path,
    async_require_admin,
    served_over_http,
)
from custom_components.lcars.runtime.handoff import LINK_SERVICES, TorrentLink
from custom_components.lcars.runtime.torrent import TorrentManager
from custom_components.lcars.runtime.torrent_categories import CATEGORIES
from custom_components.lcars.torrent import (
    DuplicateTorrentError,
    EngineError,
    InvalidTorrentError,
    UnknownTorrentError,
    parse_magnet,
    parse_torrent,
)
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from . import fields
from .common import as_int, async_get_entry, invalid

ATTR_MAGNET: Final = "magnet"
ATTR_URL: Final = "url"
ATTR_PATH: Final = "path"
ATTR_SAVE_PATH: Final = "save_path"
ATTR_CATEGORY: Final = "category"
ATTR_PAUSED: Final = "paused"
ATTR_INFO_HASH: Final = "info_hash"
ATTR_DELETE_FILES: Final = "delete_files"
ATTR_LINK: Final = "link"
ATTR_LINK_SERVICE: Final = "service"
ATTR_LINK_ID: Final = "id"
ATTR_LINK_INSTANCE: Final = "instance"

# A .torrent file fetched from a URL may take this long and be this large.
URL_TIMEOUT: Final = 30.0
MAX_TORRENT_BYTES: Final = 10 * 1024 * 1024

_LINK_KEYS: Final = frozenset({ATTR_LINK_SERVICE, ATTR_LINK_ID, ATTR_LINK_INSTANCE})
_LINK_SERVICE: Final = fields.text(f"{ATTR_LINK}.{ATTR_LINK_SERVICE}")
_LINK_ID: Final = fields.whole_number(
    f"{ATTR_LINK}.{ATTR_LINK_ID}",
    minimum=0,
    maximum=fields.MAX_ID,
    key="invalid_item_id",
)
_LINK_INSTANCE: Final = fields.text(f"{ATTR_LINK}.{ATTR_LINK_INSTANCE}")


def _link(value: Any) -> dict[str, Any]:
    """Check the link of an add: a service, the id of its item, maybe an instance."""
    if (
        not isinstance(value, Mapping)
        or not {ATTR_LINK_SERVICE, ATTR_LINK_ID} <= value.keys() <= _LINK_KEYS
    ):
        raise invalid("invalid_link")
    link: dict[str, Any] = {
        ATTR_LINK_SERVICE: _LINK_SERVICE(value[ATTR_LINK_SERVICE]),
        ATTR_LINK_ID: _LINK_ID(value[ATTR_LINK_ID]),
    }
    if ATTR_LINK_INSTANCE in value:
        link[ATTR_LINK_INSTANCE] = _LINK_INSTANCE(value[ATTR_LINK_INSTANCE])
    return link


ADD_TORRENT_SCHEMA = fields.action_schema(
    {
        vol.Optional(ATTR_MAGNET): fields.text(
            ATTR_MAGNET, max_length=fields.MAX_MAGNET_LENGTH
        ),
        vol.Optional(ATTR_URL): fields.text(
            ATTR_URL, max_length=fields.MAX_PATH_LENGTH
        ),
        vol.Optional(ATTR_PATH): fields.text(
            ATTR_PATH, max_length=fields.MAX_PATH_LENGTH
        ),
        vol.Optional(ATTR_SAVE_PATH): fields.text(
            ATTR_SAVE_PATH, max_length=fields.MAX_PATH_LENGTH
        ),
        vol.Optional(ATTR_CATEGORY): fields.text(ATTR_CATEGORY),
        vol.Optional(ATTR_PAUSED, default=False): fields.boolean(ATTR_PAUSED),
        # The service and the item are looked up by the action.
        vol.Optional(ATTR_LINK): _link,
    }
)
_TORRENT_FIELDS: Final = {vol.Optional(ATTR_INFO_HASH): fields.text(ATTR_INFO_HASH)}
TORRENT_SCHEMA = fields.action_schema(_TORRENT_FIELDS, ATTR_INFO_HASH)
REMOVE_TORRENT_SCHEMA = fields.action_schema(
    {
        **_TORRENT_FIELDS,
        vol.Optional(ATTR_DELETE_FILES, default=False): fields.boolean(
            ATTR_DELETE_FILES
        ),
    },
    ATTR_INFO_HASH,
)
GET_TORRENTS_SCHEMA = fields.action_schema({})


def _manager(hass: HomeAssistant, call: ServiceCall) -> TorrentManager:
    entry = async_get_entry(hass, call.data[ATTR_CONFIG_ENTRY_ID])
    return entry.runtime_data.torrent


def _require_running(manager: TorrentManager) -> None:
    """Raise the translated error of BitTorrent off unless it runs."""
    if not manager.running:
        raise invalid("torrent_engine_off")


async def _async_path(
    hass: HomeAssistant, value: str, key: str, *, write: bool
) -> Path:
    """Return a path Home Assistant may use, or the translated error of `key`."""
    try:
        return await async_check_path(hass, value, write=write)
    except PathNotAllowedError as err:
        if err.served:
            raise invalid("save_path_served", path=fields.shown(value)) from err
        raise invalid(key, path=fields.shown(value)) from err


async def _async_save_path(
    hass: HomeAssistant, call: ServiceCall, manager: TorrentManager
) -> Path | None:
    """Return where the torrent goes: None for the download directory.

    Only an administrator chooses another folder. Nobody downloads into a
    folder Home Assistant serves over HTTP, the download directory included.
    """
    if (wanted := call.data.get(ATTR_SAVE_PATH)) is not None:
        await async_require_admin(hass, call.context, "save_path_admin_only")
        return await _async_path(hass, wanted, "save_path_not_allowed", write=True)
    directory = manager.download_dir
    if directory is not None and await hass.async_add_executor_job(
        served_over_http, hass, directory
    ):
        raise invalid("save_path_served", path=fields.shown(str(directory)))
    return None


def _info_hash(call: ServiceCall) -> str:
    return str(call.data[ATTR_INFO_HASH]).strip().lower()


def _read_file(path: Path) -> bytes | None:
    """Read a .torrent file (blocking); None when there is none or it is too large.

    A file that is there but cannot be read (its permissions, a disk error)
    is told as such, not as a file that is no torrent.
    """
    try:
        if not path.is_file() or path.stat().st_size > MAX_TORRENT_BYTES:
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise invalid(
            "torrent_file_unreadable",
            name=fields.shown(path.name),
            error=err.strerror or type(err).__name__,
        ) from err


def resolve_link(
    entry: LcarsConfigEntry,
    service: str,
    item_id: Any,
    instance: str | None = None,
) -> TorrentLink:
    """Check a link given to an action; raise the translated error if it is wrong.

    The service must be connected and know the movie or series.
    """
    kind = service.strip().lower()
    if kind not in LINK_SERVICES:
        raise invalid(
            "invalid_service", service=service, valid=", ".join(LINK_SERVICES)
        )
    coordinators: list[RadarrCoordinator | SonarrCoordinator] = [
        *(entry.runtime_data.radarr if kind == "radarr" else ()),
        *(entry.runtime_data.sonarr if kind == "sonarr" else ()),
    ]
    if not coordinators:
        raise invalid("service_not_configured", service=kind)
    if instance is not None and instance.strip():
        coordinators = [c for c in coordinators if c.is_named(instance)]
        if not coordinators:
            raise invalid("instance_not_found", instance=instance)
    if len(coordinators) > 1:
        raise invalid(
            "instance_required",
            service=kind,
            instances=", ".join(c.subentry.title for c in coordinators),
        )
    coordinator = coordinators[0]
    number = as_int(item_id) if isinstance(item_id, int | float | str) else None
    if number is None or number < 0:
        raise invalid("invalid_item_id", field="link.id", value=str(item_id))
    if coordinator.data is None:
        raise invalid("service_unavailable", service=coordinator.subentry.title)
    rows = (
        coordinator.data.movies
        if isinstance(coordinator, RadarrCoordinator)
        else coordinator.data.series
    )
    if number not in set(rows.column("id")):
        raise invalid(
            "item_not_found", id=str(number), instance=coordinator.subentry.title
        )
    return TorrentLink(kind, coordinator.subentry_id, number)


def _url_failed() -> ServiceValidationError:
    """Return the one error of a URL that gave no torrent, whatever the cause.

    Neither the address nor the cause is repeated: the address may hold a
    passkey, and the causes (no such host, a closed port, a time-out, an
    HTTP status, a file too large, not a torrent) would let a caller map
    which hosts and ports on Home Assistant's network answer.
    """
    return invalid("torrent_url_unreachable")


async def _async_download(hass: HomeAssistant, url: str) -> bytes | None:
    """Download a .torrent file; None when it answers with no file or too big."""
    session = async_get_clientsession(hass)
    async with (
        asyncio.timeout(URL_TIMEOUT),
        session.get(url, allow_redirects=True) as response,
    ):
        if response.status != 200:
            return None
        if (response.content_length or 0) > MAX_TORRENT_BYTES:
            return None
        data = bytearray()
        async for chunk in response.content.iter_chunked(65536):
            data.extend(chunk)
            if len(data) > MAX_TORRENT_BYTES:
                return None
        return bytes(data)


async def _async_fetch(hass: HomeAssistant, url: str) -> bytes:
    """Fetch a .torrent file over HTTP(S), within a time and size limit."""
    if not url.lower().startswith(("http://", "https://")):
        raise _url_failed()
    try:
        data = await _async_download(hass, url)
    except Exception as err:  # noqa: BLE001 - every cause gets the same answer
        # The type only: the message of a client error holds the address.
        LOGGER.debug("No torrent file fetched: %s", type(err).__name__)
        data = None
    if data is None:
        raise _url_failed()
    return data


@dataclass(frozen=True, slots=True)
class _Source:
    """The torrent a call names, read and checked."""

    magnet: str | None
    data: bytes | None
    info_hash: str
    name: str
    # What a source that is no torrent is told; a URL says no more than that.
    not_a_torrent: ServiceValidationError


async def _async_read_source(hass: HomeAssistant, call: ServiceCall) -> _Source:
    """Read the magnet, URL or file of the call; a translated error if no torrent."""
    magnet: str | None = call.data.get(ATTR_MAGNET)
    url: str | None = call.data.get(ATTR_URL)
    data: bytes | None = None
    if magnet is not None:
        not_a_torrent = invalid("invalid_magnet")
    elif url is not None:
        not_a_torrent = _url_failed()
    else:
        not_a_torrent = invalid("invalid_torrent_file")
    try:
        if magnet is not None:
            info = parse_magnet(magnet)
            info_hash, name = info.info_hash, info.name
        else:
            if url is not None:
                data = await _async_fetch(hass, url)
            else:
                path = await _async_path(
                    hass, call.data[ATTR_PATH], "torrent_path_not_allowed", write=False
                )
                data = await hass.async_add_executor_job(_read_file, path)
                if data is None:
                    raise not_a_torrent
            parsed = await hass.async_add_executor_job(parse_torrent, data)
            info_hash, name = parsed.info_hash, parsed.name
    except InvalidTorrentError as err:
        raise not_a_torrent from err
    return _Source(magnet, data, info_hash, name, not_a_torrent)


async def async_add_torrent(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Add a torrent from a magnet URI, a URL or a file; answer its hash and name.

    With a link to a movie of Radarr or a series of Sonarr, that service is
    asked to import the download once the torrent finishes.
    """
    manager = _manager(hass, call)
    _require_running(manager)
    sources = [key for key in (ATTR_MAGNET, ATTR_URL, ATTR_PATH) if key in call.data]
    if len(sources) != 1:
        raise invalid("torrent_source_required")
    category: str | None = call.data.get(ATTR_CATEGORY)
    if category is not None and category not in CATEGORIES:
        raise invalid(
            "invalid_torrent_category", category=category, valid=", ".join(CATEGORIES)
        )
    link: TorrentLink | None = None
    if (wanted := call.data.get(ATTR_LINK)) is not None:
        link = resolve_link(
            manager.entry,
            wanted[ATTR_LINK_SERVICE],
            wanted[ATTR_LINK_ID],
            wanted.get(ATTR_LINK_INSTANCE),
        )
    handoff = async_get_entry(
        hass, call.data[ATTR_CONFIG_ENTRY_ID]
    ).runtime_data.handoff
    save_path = await _async_save_path(hass, call, manager)

    source = await _async_read_source(hass, call)
    magnet, data, info_hash, name = (
        source.magnet,
        source.data,
        source.info_hash,
        source.name,
    )
    not_a_torrent = source.not_a_torrent
    if manager.status(info_hash) is not None:
        raise invalid("torrent_duplicate", info_hash=info_hash)

    if link is not None:
        # A linked torrent holds what its service keeps.
        category = category or LINK_SERVICES[link.service]
    try:
        info_hash = await manager.add(
            magnet=magnet if data is None else None,
            data=data,
            save_path=save_path,
            category=category,
        )
    except DuplicateTorrentError as err:
        raise invalid("torrent_duplicate", info_hash=info_hash) from err
    except InvalidTorrentError as err:
        raise not_a_torrent from err
    except EngineError as err:
        raise invalid("torrent_add_failed", error=str(err)) from err
    if link is not None:
        await handoff.async_link(info_hash, link)
    if call.data[ATTR_PAUSED]:
        await manager.pause(info_hash)
    status = manager.status(info_hash)
    if status is not None and status.name != info_hash:
        name = status.name
    return {"info_hash": info_hash, "name": name}


async def _async_on_torrent(
    hass: HomeAssistant, call: ServiceCall, action: str
) -> ServiceResponse:
    manager = _manager(hass, call)
    _require_running(manager)
    info_hash = _info_hash(call)
    if manager.status(info_hash) is None:
        raise invalid("torrent_not_found", info_hash=info_hash)
    try:
        if action == "pause":
            await manager.pause(info_hash)
        elif action == "resume":
            await manager.resume(info_hash)
        else:
            await manager.remove(info_hash, delete_files=call.data[ATTR_DELETE_FILES])
    except UnknownTorrentError as err:
        raise invalid("torrent_not_found", info_hash=info_hash) from err
    except EngineError as err:
        raise invalid("torrent_action_failed", error=str(err)) from err
    return None


async def async_pause_torrent(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Pause one torrent."""
    return await _async_on_torrent(hass, call, "pause")


async def async_resume_torrent(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Resume one paused torrent."""
    return await _async_on_torrent(hass, call, "resume")


async def async_remove_torrent(
    hass: HomeAssistant, call: ServiceCall
) -> ServiceResponse:
    """Remove one torrent; deleting its files needs an administrator."""
    if call.data[ATTR_DELETE_FILES]:
        await async_require_admin(hass, call.context)
    return await _async_on_torrent(hass, call, "remove")


async def async_get_torrents(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Every torrent of the entry's BitTorrent backend."""
    manager = _manager(hass, call)
    _require_running(manager)
    return {"torrents": cast("list[Any]", manager.as_dicts())}

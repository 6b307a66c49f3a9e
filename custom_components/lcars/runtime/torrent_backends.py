"""Which BitTorrent backend an entry runs, and where it keeps its state.

The built-in libtorrent engine, or an external qBittorrent or Transmission
client driven over HTTP, chosen and set by the entry's torrent options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
import logging
from pathlib import Path
import shutil
from typing import Any

from custom_components.lcars.torrent import (
    ClientSettings,
    EngineSettings,
    QBittorrentBackend,
    TorrentBackend,
    TorrentEngine,
    TorrentEvent,
    TransmissionBackend,
)
from custom_components.lcars.torrent.options import (
    BACKEND_LIBTORRENT,
    BACKEND_QBITTORRENT,
    CONF_ENABLED,
    TorrentOptions,
)
from custom_components.lcars.torrent.redact import redact
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

_LOGGER = logging.getLogger(__name__)

type EventCallback = Callable[[TorrentEvent], None]


def default_download_dir(hass: HomeAssistant) -> str:
    """Return where torrents go when no download directory is set."""
    return hass.config.path("downloads")


def state_dir(hass: HomeAssistant, entry_id: str) -> Path:
    """Return where the engine keeps the resume data of one entry."""
    return Path(hass.config.path(".storage", "lcars_torrents", entry_id))


def remove_state(hass: HomeAssistant, entry_id: str) -> None:
    """Delete the engine's resume data of a removed entry (blocking).

    Only LCARS's own folder under .storage: downloaded files stay where they
    are. A symbolic link in its place is not followed.
    """
    folder = state_dir(hass, entry_id)
    if folder.is_symlink() or not folder.is_dir():
        return
    try:
        shutil.rmtree(folder)
    except OSError as err:
        _LOGGER.warning(
            "Cannot delete the BitTorrent state of the removed entry in %s: %s",
            folder,
            err.strerror or type(err).__name__,
        )


def client_backend(
    hass: HomeAssistant, options: TorrentOptions, on_event: EventCallback
) -> QBittorrentBackend | TransmissionBackend:
    """Build the external client backend the options name; EngineError if invalid.

    It uses Home Assistant's shared HTTP session; nothing is contacted before
    its start().
    """
    backend_class = (
        QBittorrentBackend
        if options.backend == BACKEND_QBITTORRENT
        else TransmissionBackend
    )
    return backend_class(
        async_get_clientsession(hass),
        options.url,
        options.username,
        options.password,
        settings=options.client_settings(),
        on_event=on_event,
    )


def read_options(
    hass: HomeAssistant, raw: Mapping[str, Any]
) -> tuple[TorrentOptions, EngineSettings | None, ClientSettings | None]:
    """Read the torrent options and the settings of the backend they choose.

    Engine settings with the built-in engine, client settings otherwise;
    options that are not valid switch BitTorrent off.
    """
    options = TorrentOptions()
    try:
        options = TorrentOptions.from_options(raw)
        if not options.enabled:
            return options, None, None
        if options.backend == BACKEND_LIBTORRENT:
            return (
                options,
                options.engine_settings(Path(default_download_dir(hass))),
                None,
            )
        return options, None, options.client_settings()
    except ValueError as err:
        if raw.get(CONF_ENABLED, False):
            _LOGGER.warning(
                "The BitTorrent options are not valid: %s", redact(str(err))
            )
        return replace(options, enabled=False), None, None


def engine_factory(
    settings: EngineSettings, directory: Path, on_event: Callable[[TorrentEvent], None]
) -> TorrentBackend:
    """Build the built-in libtorrent engine."""
    # .storage is Home Assistant's; lcars_torrents and the entry's folder below
    # it are LCARS's own, and a symbolic link there is never followed.
    return TorrentEngine(settings, directory, on_event, state_root=directory.parents[1])

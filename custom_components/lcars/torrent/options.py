"""The BitTorrent options of an LCARS entry, as one typed value.

The options flow stores them under entry.options[CONF_TORRENT] with the
names below; `TorrentOptions.from_options` reads them back, with the same
defaults the flow shows, into the settings of the engine or of an external
client. Free of Home Assistant, like the rest of this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from .backend import ClientSettings
from .settings import EngineSettings, SeedingLimitAction, SeedingLimits

# Options of the LCARS entry: entry.options[CONF_TORRENT] holds these keys.
CONF_TORRENT: Final = "torrent"
CONF_ENABLED: Final = "enabled"
# Which client does the work: see BACKENDS.
CONF_BACKEND: Final = "backend"
# An external client is reached at this address with this login; the same
# names as Home Assistant's CONF_URL, CONF_USERNAME and CONF_PASSWORD.
CONF_URL: Final = "url"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105 - the option's name, not a secret
# Where an external client saves new torrents, as that client sees its disk;
# empty for the client's own default.
CONF_CLIENT_DOWNLOAD_DIR: Final = "client_download_dir"
CONF_DOWNLOAD_DIR: Final = "download_dir"
CONF_LISTEN_PORT_MIN: Final = "listen_port_min"
CONF_LISTEN_PORT_MAX: Final = "listen_port_max"
CONF_CONNECTIONS_LIMIT: Final = "connections_limit"
# KiB/s in the options, 0 for no limit.
CONF_DOWNLOAD_RATE_LIMIT: Final = "download_rate_limit"
CONF_UPLOAD_RATE_LIMIT: Final = "upload_rate_limit"
CONF_ENABLE_DHT: Final = "enable_dht"
CONF_ENABLE_LSD: Final = "enable_lsd"
CONF_ENABLE_UPNP: Final = "enable_upnp"
CONF_ENABLE_NATPMP: Final = "enable_natpmp"
CONF_ENABLE_UTP: Final = "enable_utp"
CONF_BIND_INTERFACE: Final = "bind_interface"
# 0 switches a seeding limit off.
CONF_SEEDING_RATIO: Final = "seeding_ratio"
CONF_SEEDING_HOURS: Final = "seeding_hours"
CONF_LIMIT_ACTION: Final = "limit_action"
CONF_ALL_TORRENT_ENTITIES: Final = "all_torrent_entities"
# The watch folder Radarr and Sonarr drop torrents in: on or off, and where
# (empty: WATCH_SUBFOLDER of the download directory).
CONF_WATCH_FOLDER: Final = "watch_folder"
CONF_WATCH_DIR: Final = "watch_dir"
WATCH_SUBFOLDER: Final = "watch"

BACKEND_LIBTORRENT: Final = "libtorrent"
BACKEND_QBITTORRENT: Final = "qbittorrent"
BACKEND_TRANSMISSION: Final = "transmission"
# The built-in engine first: it is the default.
BACKENDS: Final = (BACKEND_LIBTORRENT, BACKEND_QBITTORRENT, BACKEND_TRANSMISSION)
# How the user knows each backend.
BACKEND_NAMES: Final = {
    BACKEND_LIBTORRENT: "libtorrent",
    BACKEND_QBITTORRENT: "qBittorrent",
    BACKEND_TRANSMISSION: "Transmission",
}

DEFAULT_LISTEN_PORT_MIN: Final = 6881
DEFAULT_LISTEN_PORT_MAX: Final = 6891
DEFAULT_CONNECTIONS_LIMIT: Final = 200
DEFAULT_SEEDING_RATIO: Final = 1.0
DEFAULT_SEEDING_HOURS: Final = 48.0
MIN_PORT: Final = 1024
MAX_PORT: Final = 65535


def _limit(value: Any) -> float | None:
    number = float(value)
    return number if number > 0 else None


def _path(value: Any) -> Path | None:
    text = str(value or "").strip()
    return Path(text) if text else None


@dataclass(frozen=True, slots=True)
class TorrentOptions:
    """What the BitTorrent options of one entry say."""

    enabled: bool = False
    backend: str = BACKEND_LIBTORRENT
    # The engine's download directory; None for Home Assistant's default.
    download_dir: Path | None = None
    # An external client: where it is, its login, where it saves.
    url: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    client_download_dir: Path | None = None
    listen_port_min: int = DEFAULT_LISTEN_PORT_MIN
    listen_port_max: int = DEFAULT_LISTEN_PORT_MAX
    connections_limit: int = DEFAULT_CONNECTIONS_LIMIT
    # KiB/s, 0 for no limit.
    download_rate_limit: int = 0
    upload_rate_limit: int = 0
    enable_dht: bool = True
    enable_lsd: bool = True
    enable_upnp: bool = True
    enable_natpmp: bool = True
    enable_utp: bool = True
    bind_interface: str | None = None
    seeding_limits: SeedingLimits = field(
        default_factory=lambda: SeedingLimits(
            ratio=DEFAULT_SEEDING_RATIO, time=timedelta(hours=DEFAULT_SEEDING_HOURS)
        )
    )
    limit_action: SeedingLimitAction = SeedingLimitAction.PAUSE
    # A sensor for every torrent, not only the downloading and categorised.
    all_torrent_entities: bool = False
    watch_folder: bool = True
    watch_dir: Path | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> TorrentOptions:
        """Read entry.options[CONF_TORRENT]; ValueError if a value is not valid."""
        backend = str(options.get(CONF_BACKEND) or BACKEND_LIBTORRENT)
        if backend not in BACKENDS:
            raise ValueError(f"unknown BitTorrent backend {backend!r}")
        hours = _limit(options.get(CONF_SEEDING_HOURS, DEFAULT_SEEDING_HOURS))
        return cls(
            enabled=bool(options.get(CONF_ENABLED, False)),
            backend=backend,
            download_dir=_path(options.get(CONF_DOWNLOAD_DIR)),
            url=str(options.get(CONF_URL) or ""),
            username=str(options.get(CONF_USERNAME) or ""),
            password=str(options.get(CONF_PASSWORD) or ""),
            client_download_dir=_path(options.get(CONF_CLIENT_DOWNLOAD_DIR)),
            listen_port_min=int(
                options.get(CONF_LISTEN_PORT_MIN, DEFAULT_LISTEN_PORT_MIN)
            ),
            listen_port_max=int(
                options.get(CONF_LISTEN_PORT_MAX, DEFAULT_LISTEN_PORT_MAX)
            ),
            connections_limit=int(
                options.get(CONF_CONNECTIONS_LIMIT, DEFAULT_CONNECTIONS_LIMIT)
            ),
            download_rate_limit=int(options.get(CONF_DOWNLOAD_RATE_LIMIT, 0)),
            upload_rate_limit=int(options.get(CONF_UPLOAD_RATE_LIMIT, 0)),
            enable_dht=bool(options.get(CONF_ENABLE_DHT, True)),
            enable_lsd=bool(options.get(CONF_ENABLE_LSD, True)),
            enable_upnp=bool(options.get(CONF_ENABLE_UPNP, True)),
            enable_natpmp=bool(options.get(CONF_ENABLE_NATPMP, True)),
            enable_utp=bool(options.get(CONF_ENABLE_UTP, True)),
            bind_interface=str(options.get(CONF_BIND_INTERFACE) or "").strip() or None,
            seeding_limits=SeedingLimits(
                ratio=_limit(options.get(CONF_SEEDING_RATIO, DEFAULT_SEEDING_RATIO)),
                time=None if hours is None else timedelta(hours=hours),
            ),
            limit_action=SeedingLimitAction(
                options.get(CONF_LIMIT_ACTION, SeedingLimitAction.PAUSE)
            ),
            all_torrent_entities=bool(options.get(CONF_ALL_TORRENT_ENTITIES, False)),
            watch_folder=bool(options.get(CONF_WATCH_FOLDER, True)),
            watch_dir=_path(options.get(CONF_WATCH_DIR)),
        )

    def engine_settings(self, default_download_dir: Path) -> EngineSettings:
        """Return the settings of the built-in engine; ValueError if not valid."""
        return EngineSettings(
            download_dir=self.download_dir or default_download_dir,
            listen_port_min=self.listen_port_min,
            listen_port_max=self.listen_port_max,
            connections_limit=self.connections_limit,
            download_rate_limit=self.download_rate_limit * 1024,
            upload_rate_limit=self.upload_rate_limit * 1024,
            enable_dht=self.enable_dht,
            enable_lsd=self.enable_lsd,
            enable_upnp=self.enable_upnp,
            enable_natpmp=self.enable_natpmp,
            enable_utp=self.enable_utp,
            bind_interface=self.bind_interface,
            seeding_limits=self.seeding_limits,
            limit_action=self.limit_action,
        )

    def client_settings(self) -> ClientSettings:
        """Return the settings of an external client."""
        return ClientSettings(
            download_dir=self.client_download_dir,
            seeding_limits=self.seeding_limits,
            limit_action=self.limit_action,
        )

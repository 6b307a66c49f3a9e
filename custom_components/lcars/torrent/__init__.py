"""LCARS's BitTorrent backends, free of Home Assistant.

The libtorrent engine where libtorrent loads; otherwise an external client
(qBittorrent or Transmission) driven over HTTP. All of them are a
``TorrentBackend``.
"""

from .backend import (
    ClientSettings,
    PollingBackend,
    TorrentBackend,
    parse_magnet,
    parse_torrent,
)
from .engine import TorrentEngine, load_libtorrent
from .errors import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    DuplicateTorrentError,
    EngineError,
    InvalidTorrentError,
    UnknownTorrentError,
)
from .models import EventKind, TorrentEvent, TorrentState, TorrentStatus
from .qbittorrent import QBittorrentBackend
from .settings import EngineSettings, SeedingLimitAction, SeedingLimits, settings_pack
from .transmission import TransmissionBackend

__all__ = [
    "BackendAuthError",
    "BackendConnectionError",
    "BackendResponseError",
    "ClientSettings",
    "DuplicateTorrentError",
    "EngineError",
    "EngineSettings",
    "EventKind",
    "InvalidTorrentError",
    "PollingBackend",
    "QBittorrentBackend",
    "SeedingLimitAction",
    "SeedingLimits",
    "TorrentBackend",
    "TorrentEngine",
    "TorrentEvent",
    "TorrentState",
    "TorrentStatus",
    "TransmissionBackend",
    "UnknownTorrentError",
    "load_libtorrent",
    "parse_magnet",
    "parse_torrent",
    "settings_pack",
]

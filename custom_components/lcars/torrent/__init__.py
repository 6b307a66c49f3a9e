"""LCARS's BitTorrent engine around libtorrent, free of Home Assistant."""

from .engine import EngineError, TorrentEngine, UnknownTorrentError, load_libtorrent
from .models import EventKind, TorrentEvent, TorrentState, TorrentStatus
from .settings import EngineSettings, SeedingLimitAction, SeedingLimits, settings_pack

__all__ = [
    "EngineError",
    "EngineSettings",
    "EventKind",
    "SeedingLimitAction",
    "SeedingLimits",
    "TorrentEngine",
    "TorrentEvent",
    "TorrentState",
    "TorrentStatus",
    "UnknownTorrentError",
    "load_libtorrent",
    "settings_pack",
]

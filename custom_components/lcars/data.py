"""What a loaded LCARS entry holds, built whole before it is assigned."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import Services
from .runtime.cleanup import CleanupManager
from .torrent_manager import TorrentManager


@dataclass(slots=True)
class LcarsData(Services):
    """The connected services, the cleanup and the BitTorrent client of an entry."""

    cleanup: CleanupManager
    torrent: TorrentManager


type LcarsConfigEntry = ConfigEntry[LcarsData]

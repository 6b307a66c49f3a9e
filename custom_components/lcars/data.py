"""What a loaded LCARS entry holds, built whole before it is assigned."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import Services
from .runtime.artwork_state import Artwork
from .runtime.cleanup import CleanupManager
from .runtime.handoff import TorrentHandoff
from .runtime.torrent import TorrentManager


@dataclass(slots=True)
class LcarsData(Services):
    """The connected services, the cleanup and the BitTorrent client of an entry.

    `handoff` ties the client's torrents to library items and watches the
    folder Radarr and Sonarr drop torrents in; `artwork` holds the covers
    served for the entry's services (runtime/artwork.py).
    """

    cleanup: CleanupManager
    torrent: TorrentManager
    handoff: TorrentHandoff
    artwork: Artwork


type LcarsConfigEntry = ConfigEntry[LcarsData]

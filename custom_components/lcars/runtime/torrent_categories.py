"""The category of each torrent added through LCARS, kept across restarts.

Radarr and Sonarr find their downloads by category; LCARS shows a sensor per
categorised torrent. Stored per entry, so that a restart keeps both.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from types import MappingProxyType
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

_LOGGER = logging.getLogger(__name__)

# Torrent categories an add can carry.
CATEGORIES: Final = ("movie", "series", "music")
# The categories of an entry's torrents are stored this long after a change,
# so that a burst of adds writes once.
CATEGORIES_STORAGE_VERSION: Final = 1
CATEGORIES_SAVE_DELAY: Final = 10.0


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(
        hass, CATEGORIES_STORAGE_VERSION, f"lcars.torrent_categories.{entry_id}"
    )


class TorrentCategories:
    """The categories of one entry's torrents, by lower-case info hash."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Start empty; async_load() reads what was stored."""
        self._by_hash: dict[str, str] = {}
        self._store = _store(hass, entry_id)
        self._unsaved = False
        self.view: Mapping[str, str] = MappingProxyType(self._by_hash)

    async def async_load(self) -> None:
        """Read the stored categories."""
        stored = await self._store.async_load()
        found = stored.get("categories") if isinstance(stored, dict) else None
        if stored is not None and not isinstance(found, dict):
            # Valid JSON of another shape: the categories are lost, not the setup.
            _LOGGER.warning(
                "Ignoring the stored torrent categories: not in their shape"
            )
            found = None
        self._by_hash.clear()
        self._by_hash.update(
            (str(info_hash).lower(), category)
            for info_hash, category in (found or {}).items()
            if category in CATEGORIES
        )

    @staticmethod
    async def async_remove_store(hass: HomeAssistant, entry_id: str) -> None:
        """Forget the categories of a removed entry."""
        await _store(hass, entry_id).async_remove()

    @callback
    def set(
        self, info_hash: str, category: str, *, keep_existing: bool = False
    ) -> None:
        """Give a torrent a category of CATEGORIES; ValueError for another.

        With `keep_existing`, a torrent that has one keeps it.
        """
        if category not in CATEGORIES:
            raise ValueError(f"unknown torrent category {category!r}")
        info_hash = info_hash.lower()
        if self._by_hash.get(info_hash) == category or (
            keep_existing and info_hash in self._by_hash
        ):
            return
        self._by_hash[info_hash] = category
        self._changed()

    @callback
    def forget(self, info_hash: str) -> None:
        """Drop the category of a torrent that is gone."""
        if self._by_hash.pop(info_hash.lower(), None) is not None:
            self._changed()

    def _stored(self) -> dict[str, Any]:
        self._unsaved = False
        return {"categories": dict(self._by_hash)}

    @callback
    def _changed(self) -> None:
        self._unsaved = True
        self._store.async_delay_save(self._stored, CATEGORIES_SAVE_DELAY)

    async def async_save_pending(self) -> None:
        """Write a change still waiting for its delayed save."""
        if self._unsaved:
            # A save now cancels the delayed one: the next load reads it.
            await self._store.async_save(self._stored())

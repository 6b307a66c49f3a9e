"""Diagnostics of LCARS: settings and figures, never an API key or password."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD, CONF_URL
from homeassistant.core import HomeAssistant

from .clients import redact_url
from .clients.models import (
    JellyfinSnapshot,
    JellyseerrSnapshot,
    LidarrSnapshot,
    RadarrSnapshot,
    SonarrSnapshot,
)
from .coordinator import AnyCoordinator
from .data import LcarsConfigEntry
from .torrent.redact import redact

TO_REDACT = {CONF_API_KEY, CONF_PASSWORD}


def _redact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Redact keys and passwords, and the parts of a URL that can hold one.

    A URL keeps its scheme, host, port and path, which help to tell what is
    wrong; a user, password or query in it (stored before such URLs were
    refused, or in the address of a BitTorrent client) is redacted, at any
    depth. A URL or magnet link under any other key is cut to its host.
    """
    redacted: dict[str, Any] = _redact_urls(async_redact_data(dict(data), TO_REDACT))
    return redacted


def _redact_urls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            key: redact_url(item, REDACTED)
            if key == CONF_URL and isinstance(item, str)
            else _redact_urls(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_urls(item) for item in value]
    if isinstance(value, str):
        # Any other URL (a tracker's, a magnet) is cut to its host.
        return redact(value)
    return value


def _figures(coordinator: AnyCoordinator) -> dict[str, Any]:
    """Summarize the last snapshot of one service; empty before its first answer."""
    data = coordinator.data
    if data is None:
        return {}
    if isinstance(data, JellyfinSnapshot):
        return {
            "server": data.info.product_name,
            "counts": {
                "movies": data.counts.movies,
                "series": data.counts.series,
                "episodes": data.counts.episodes,
                "albums": data.counts.albums,
                "songs": data.counts.songs,
            },
            "items": len(data.items),
            "never_watched": data.never_watched,
            "sessions": len(data.sessions),
        }
    if isinstance(data, JellyseerrSnapshot):
        return {
            "requests": {
                "total": data.requests.total,
                "pending": data.requests.pending,
                "approved": data.requests.approved,
                "available": data.requests.available,
            }
        }
    figures: dict[str, Any] = {}
    if isinstance(data, RadarrSnapshot):
        figures["movies"] = len(data.movies)
    elif isinstance(data, SonarrSnapshot):
        figures["series"] = len(data.series)
        figures["episodes_missing"] = data.episodes_missing
    elif isinstance(data, LidarrSnapshot):
        figures["artists"] = len(data.artists)
        figures["albums"] = len(data.albums)
    return figures | {
        "root_folders": [
            {
                "path": folder.path,
                "accessible": folder.accessible,
                "free_space": folder.free_space,
                "total_space": folder.total_space,
            }
            for folder in data.root_folders
        ],
        "queue": len(data.queue),
        "calendar": len(data.calendar),
        "tags": len(data.tags),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LcarsConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for the LCARS entry."""
    # An entry that is not loaded (its setup failed) has no coordinators.
    coordinators = (
        entry.runtime_data.coordinators
        if entry.state is ConfigEntryState.LOADED
        else {}
    )
    services: list[dict[str, Any]] = []
    for subentry_id, subentry in entry.subentries.items():
        service: dict[str, Any] = {
            "type": subentry.subentry_type,
            "title": subentry.title,
            "data": _redact(subentry.data),
        }
        if (coordinator := coordinators.get(subentry_id)) is not None:
            service |= {
                "last_update_success": coordinator.last_update_success,
                "last_error": (
                    None
                    if coordinator.last_update_success
                    or coordinator.last_exception is None
                    else type(
                        coordinator.last_exception.__cause__
                        or coordinator.last_exception
                    ).__name__
                ),
                "version": coordinator.version,
                "figures": _figures(coordinator),
            }
        services.append(service)
    return {
        "entry": {
            "title": entry.title,
            "options": _redact(entry.options),
        },
        "services": services,
    }

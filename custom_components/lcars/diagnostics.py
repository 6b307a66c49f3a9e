"""Diagnostics of LCARS: settings and figures, never an API key or password."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .clients.models import (
    JellyfinSnapshot,
    JellyseerrSnapshot,
    LidarrSnapshot,
    RadarrSnapshot,
    SonarrSnapshot,
)
from .coordinator import AnyCoordinator, LcarsConfigEntry
from .torrent.redact import redact

TO_REDACT = {CONF_API_KEY, CONF_PASSWORD}


def _figures(coordinator: AnyCoordinator) -> dict[str, Any]:
    """Summarize the last snapshot of one service."""
    data = coordinator.data
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
    # An entry waiting to retry its setup has no coordinators yet.
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
            "data": async_redact_data(dict(subentry.data), TO_REDACT),
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
            "options": _redact_urls(async_redact_data(dict(entry.options), TO_REDACT)),
        },
        "services": services,
    }


def _redact_urls(data: Any) -> Any:
    """Cut every URL in the options to its host: a user or key may be in it."""
    if isinstance(data, dict):
        return {key: _redact_urls(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_redact_urls(value) for value in data]
    if isinstance(data, str):
        return redact(data)
    return data

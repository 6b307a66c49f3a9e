"""Constants for LCARS."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from .library.kinds import ServiceKind

DOMAIN: Final = "lcars"
LOGGER = logging.getLogger(__package__)

# Kinds of connected service; each is a config subentry type of the LCARS entry.
SERVICE_RADARR: Final = ServiceKind.RADARR
SERVICE_SONARR: Final = ServiceKind.SONARR
SERVICE_LIDARR: Final = ServiceKind.LIDARR
SERVICE_JELLYFIN: Final = ServiceKind.JELLYFIN
SERVICE_JELLYSEERR: Final = ServiceKind.JELLYSEERR
SERVICE_TYPES: Final = (
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_LIDARR,
    SERVICE_JELLYFIN,
    SERVICE_JELLYSEERR,
)
SERVICE_NAMES: Final[dict[str, str]] = {
    SERVICE_RADARR: "Radarr",
    SERVICE_SONARR: "Sonarr",
    SERVICE_LIDARR: "Lidarr",
    SERVICE_JELLYFIN: "Jellyfin",
    SERVICE_JELLYSEERR: "Jellyseerr",
}

# Subentry data keys (CONF_URL, CONF_API_KEY and CONF_VERIFY_SSL come from
# homeassistant.const).
CONF_USERS: Final = "users"

# Options of the LCARS entry.
CONF_SCAN_INTERVAL: Final = "scan_interval"
DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL_SECONDS: Final = 10
MAX_SCAN_INTERVAL_SECONDS: Final = 3600

# Upcoming releases shown by the calendars and the calendar sensors.
CALENDAR_DAYS_AHEAD: Final = 30

# How long one request to a service may take before it counts as unreachable;
# a library of 20,000 movies is about 50 MB of JSON.
REQUEST_TIMEOUT_SECONDS: Final = 60.0
# How long a whole refresh of one service may take.
REFRESH_TIMEOUT_SECONDS: Final = 120.0

# Kinds of service that keep a media library (movies, series, artists).
ARR_SERVICE_TYPES: Final = (SERVICE_RADARR, SERVICE_SONARR, SERVICE_LIDARR)

# Fields of the actions.
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_SERVICE: Final = "service"
ATTR_INSTANCE: Final = "instance"
ATTR_KIND: Final = "kind"
ATTR_STATUS: Final = "status"
ATTR_SEARCH: Final = "search"
ATTR_LIMIT: Final = "limit"
ATTR_OFFSET: Final = "offset"

# Values accepted by the library action.
LIBRARY_KINDS: Final = ("movie", "series", "artist")
LIBRARY_STATUSES: Final = ("missing", "available", "monitored", "unmonitored")
DEFAULT_LIBRARY_LIMIT: Final = 100
MAX_LIBRARY_LIMIT: Final = 1000

# Cleanup options: entry.options[CONF_CLEANUP] holds these keys.
CONF_CLEANUP: Final = "cleanup"
# The policy as `CleanupPolicy.to_dict()` gives it.
CONF_CLEANUP_POLICY: Final = "policy"
CONF_CLEANUP_INTERVAL: Final = "interval_minutes"
CONF_IMPORT_EXCLUSION: Final = "add_import_exclusion"
CONF_LEAVING_SOON_COLLECTION: Final = "leaving_soon_collection"
DEFAULT_CLEANUP_INTERVAL_MINUTES: Final = 60
MIN_CLEANUP_INTERVAL_MINUTES: Final = 5
MAX_CLEANUP_INTERVAL_MINUTES: Final = 7 * 24 * 60

# What a cleanup run came to (the last result sensor's options).
# `listed`: nothing was due, and items wait on leaving soon.
CLEANUP_RESULTS: Final = (
    "ok",
    "dry_run",
    "listed",
    "nothing_to_do",
    "failed_closed",
    "error",
)

# Events on the bus.
EVENT_CLEANUP_FINISHED: Final = "lcars_cleanup_finished"
EVENT_MEDIA_DELETED: Final = "lcars_media_deleted"
# A title was added to an *arr, or requested in Jellyseerr (`add_media`,
# `request_media`); a Jellyseerr request was approved or declined.
EVENT_MEDIA_ADDED: Final = "lcars_media_added"
EVENT_REQUEST_CHANGED: Final = "lcars_request_changed"

# Adding options: entry.options[CONF_ADDING] holds the route ("arr" or
# "jellyseerr"), the Jellyseerr user requests are made as, and the defaults
# of each *arr instance by subentry id.
CONF_ADDING: Final = "adding"

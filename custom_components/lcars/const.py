"""Constants for LCARS."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "lcars"
LOGGER = logging.getLogger(__package__)

# Kinds of connected service; each is a config subentry type of the LCARS entry.
SERVICE_RADARR: Final = "radarr"
SERVICE_SONARR: Final = "sonarr"
SERVICE_LIDARR: Final = "lidarr"
SERVICE_JELLYFIN: Final = "jellyfin"
SERVICE_JELLYSEERR: Final = "jellyseerr"
SERVICE_TYPES: Final = (
    SERVICE_RADARR,
    SERVICE_SONARR,
    SERVICE_LIDARR,
    SERVICE_JELLYFIN,
    SERVICE_JELLYSEERR,
)
SERVICE_NAMES: Final = {
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

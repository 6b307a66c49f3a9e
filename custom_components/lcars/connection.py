"""Build service clients from subentry data and identify the server behind them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yarl import URL

from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .clients import (
    JellyfinClient,
    JellyseerrClient,
    LidarrClient,
    RadarrClient,
    SonarrClient,
)
from .clients.models import JellyfinUser
from .const import (
    CONF_USERS,
    REQUEST_TIMEOUT_SECONDS,
    SERVICE_JELLYFIN,
    SERVICE_JELLYSEERR,
    SERVICE_LIDARR,
    SERVICE_NAMES,
    SERVICE_RADARR,
    SERVICE_SONARR,
)

type ArrClient = RadarrClient | SonarrClient | LidarrClient
type LcarsClient = ArrClient | JellyfinClient | JellyseerrClient


_CLIENTS: dict[
    str, type[RadarrClient | SonarrClient | LidarrClient | JellyseerrClient]
] = {
    SERVICE_RADARR: RadarrClient,
    SERVICE_SONARR: SonarrClient,
    SERVICE_LIDARR: LidarrClient,
    SERVICE_JELLYSEERR: JellyseerrClient,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceIdentity:
    """Who answers at a URL: enough to name and deduplicate a subentry."""

    unique_id: str
    title: str
    users: tuple[JellyfinUser, ...] = field(default=())


def create_client(
    hass: HomeAssistant, kind: str, data: Mapping[str, Any]
) -> LcarsClient:
    """Create the client for one connected service.

    Raises InvalidUrlError when the URL has no scheme or host, KeyError for a
    kind of service this version does not know.
    """
    verify_ssl: bool = data.get(CONF_VERIFY_SSL, True)
    session = async_get_clientsession(hass, verify_ssl)
    url: str = data[CONF_URL]
    api_key: str = data[CONF_API_KEY]
    if kind == SERVICE_JELLYFIN:
        return JellyfinClient(
            session,
            url,
            api_key,
            user_ids=tuple(data.get(CONF_USERS, ())),
            verify_ssl=verify_ssl,
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
    return _CLIENTS[kind](
        session,
        url,
        api_key,
        verify_ssl=verify_ssl,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )


def url_unique_id(url: str) -> str:
    """Identify a server by its URL: scheme and host lowercased, port, path.

    The *arr and Jellyseerr do not expose a stable server id, and the same
    server reached through the same address is the same subentry.
    """
    parsed = URL(url)
    scheme = parsed.scheme.lower()
    host = (parsed.host or "").lower()
    path = parsed.path.rstrip("/")
    return f"{scheme}://{host}:{parsed.port}{path}"


def service_title(kind: str, name: str | None) -> str:
    """Name a subentry from the service and its instance or server name."""
    service = SERVICE_NAMES[kind]
    name = (name or "").strip()
    if not name or name.casefold() == service.casefold():
        return service
    if service.casefold() in name.casefold():
        return name
    return f"{service} {name}"


async def async_identify(
    hass: HomeAssistant, kind: str, data: Mapping[str, Any]
) -> ServiceIdentity:
    """Connect with the given settings and tell which server answers.

    Raises the client errors: InvalidUrlError, AuthenticationError,
    CannotConnectError, WrongServiceError, BadResponseError.
    """
    client = create_client(hass, kind, data)
    if isinstance(client, JellyfinClient):
        info = await client.async_get_server_info()
        users = await client.async_get_users()
        return ServiceIdentity(
            unique_id=info.id,
            title=service_title(kind, info.name),
            users=tuple(users),
        )
    if isinstance(client, JellyseerrClient):
        status = await client.async_get_status()
    else:
        status = await client.async_get_system_status()
    return ServiceIdentity(
        unique_id=url_unique_id(client.url),
        title=service_title(kind, status.instance_name),
    )

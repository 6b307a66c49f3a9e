"""Forms of the LCARS flows: selectors, schemas, and form values to options and back.

The flows in config_flow.py and options_flow.py only decide which form comes
next; what a form holds and how its values are stored is here. The cleanup
policy's text fields are read by `cleanup.policy_text`, which knows nothing
of Home Assistant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import voluptuous as vol

from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .cleanup.policy_text import MAX_GIB_PER_RUN
from .clients import redact_url
from .clients.models import Profile
from .const import (
    CONF_CLEANUP_INTERVAL,
    CONF_IMPORT_EXCLUSION,
    CONF_LEAVING_SOON_COLLECTION,
    CONF_USERS,
    DEFAULT_CLEANUP_INTERVAL_MINUTES,
    MAX_CLEANUP_INTERVAL_MINUTES,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_CLEANUP_INTERVAL_MINUTES,
    MIN_SCAN_INTERVAL_SECONDS,
)
from .library.additions import (
    MINIMUM_AVAILABILITY_VALUES,
    MONITOR_VALUES,
    OPT_DEFAULT_FOR_KIND,
    OPT_METADATA_PROFILE,
    OPT_MINIMUM_AVAILABILITY,
    OPT_MONITOR,
    OPT_MONITORED,
    OPT_QUALITY_PROFILE,
    OPT_ROOT_FOLDER,
    OPT_ROUTE,
    OPT_SEARCH,
    OPT_SEASON_FOLDER,
    AddSettings,
    from_option_key,
    option_key,
)
from .library.kinds import ServiceKind
from .runtime.torrent_backends import default_download_dir
from .torrent.options import (
    BACKEND_QBITTORRENT,
    BACKEND_TRANSMISSION,
    BACKENDS,
    CONF_ALL_TORRENT_ENTITIES,
    CONF_BACKEND,
    CONF_BIND_INTERFACE,
    CONF_CLIENT_DOWNLOAD_DIR,
    CONF_CONNECTIONS_LIMIT,
    CONF_DOWNLOAD_DIR,
    CONF_DOWNLOAD_RATE_LIMIT,
    CONF_ENABLE_DHT,
    CONF_ENABLE_LSD,
    CONF_ENABLE_NATPMP,
    CONF_ENABLE_UPNP,
    CONF_ENABLE_UTP,
    CONF_ENABLED,
    CONF_LIMIT_ACTION,
    CONF_LISTEN_PORT_MAX,
    CONF_LISTEN_PORT_MIN,
    CONF_SEEDING_HOURS,
    CONF_SEEDING_RATIO,
    CONF_UPLOAD_RATE_LIMIT,
    CONF_WATCH_DIR,
    CONF_WATCH_FOLDER,
    DEFAULT_CONNECTIONS_LIMIT,
    DEFAULT_LISTEN_PORT_MAX,
    DEFAULT_LISTEN_PORT_MIN,
    DEFAULT_SEEDING_HOURS,
    DEFAULT_SEEDING_RATIO,
    MAX_PORT,
)

CONF_CONFIRM: Final = "confirm"

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
TEXT_SELECTOR = TextSelector()
BOOLEAN_SELECTOR = BooleanSelector()


class IntegerSelector(NumberSelector):
    """A box for a whole number.

    Home Assistant's number selector reads every value as a float, so that a
    whole number field would answer "Value 5.0 is too small". This one gives
    whole numbers as int and words its range errors with them. A value that
    is not whole passes as a float: the step refuses it on its field with a
    translated reason (`invalid_type`).
    """

    def __call__(self, data: Any) -> float:
        """Read a whole number as int, checked against the bounds."""
        value: float = vol.Coerce(float)(data)
        if not value.is_integer():
            return value
        number = int(value)
        if "min" in self.config and number < self.config["min"]:
            raise vol.Invalid(f"Value {number} is too small")
        if "max" in self.config and number > self.config["max"]:
            raise vol.Invalid(f"Value {number} is too large")
        return number


def integer_selector(
    unit: str | None = None, *, low: int | None = None, high: int | None = None
) -> IntegerSelector:
    """Make a box for a whole number, in steps of one, with a unit and bounds."""
    config = NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)
    if unit is not None:
        config["unit_of_measurement"] = unit
    if low is not None:
        config["min"] = low
    if high is not None:
        config["max"] = high
    return IntegerSelector(config)


def count_selector(unit: str) -> IntegerSelector:
    """Ask for a number without bounds: the policy refuses wrong values with a reason."""
    return integer_selector(unit)


def fraction_errors(
    schema: vol.Schema, user_input: Mapping[str, Any]
) -> dict[str, str]:
    """Refuse, on its field, a fraction given for a whole number."""
    return {
        str(key): "invalid_type"
        for key, selector in schema.schema.items()
        if isinstance(selector, IntegerSelector)
        and isinstance(user_input.get(str(key)), float)
    }


# --------------------------------------------------------------------------- services

CONNECTION_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL): URL_SELECTOR,
        vol.Required(CONF_API_KEY): KEY_SELECTOR,
        vol.Required(CONF_VERIFY_SSL, default=True): bool,
    }
)
# When reconfiguring, an empty key keeps the current one: the stored key is
# never sent back to the browser.
RECONFIGURE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL): URL_SELECTOR,
        vol.Optional(CONF_API_KEY): KEY_SELECTOR,
        vol.Required(CONF_VERIFY_SSL, default=True): bool,
    }
)
REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_API_KEY): KEY_SELECTOR})


def users_schema(users: Mapping[str, str], default: Iterable[str]) -> vol.Schema:
    """Ask for Jellyfin users (id -> name) to count, those of `default` ticked."""
    return vol.Schema(
        {
            vol.Required(CONF_USERS, default=list(default)): SelectSelector(
                SelectSelectorConfig(
                    options=[
                        SelectOptionDict(value=user_id, label=name)
                        for user_id, name in users.items()
                    ],
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            )
        }
    )


def without_url_secrets(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return a form's input to show again, its URL without user, password or query."""
    return {**user_input, CONF_URL: redact_url(str(user_input[CONF_URL]))}


def connection_data(
    user_input: Mapping[str, Any], current: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Subentry data from a form, keys and URLs without surrounding whitespace."""
    current = current or {}
    api_key = str(user_input.get(CONF_API_KEY) or "").strip()
    data = dict(current)
    data[CONF_URL] = str(user_input[CONF_URL]).strip()
    data[CONF_API_KEY] = api_key or current.get(CONF_API_KEY, "")
    data[CONF_VERIFY_SSL] = bool(user_input.get(CONF_VERIFY_SSL, True))
    return data


# --------------------------------------------------------------------------- polling and cleanup

SCAN_INTERVAL_SELECTOR = integer_selector(
    "s", low=MIN_SCAN_INTERVAL_SECONDS, high=MAX_SCAN_INTERVAL_SECONDS
)
CLEANUP_INTERVAL_SELECTOR = integer_selector(
    "min", low=MIN_CLEANUP_INTERVAL_MINUTES, high=MAX_CLEANUP_INTERVAL_MINUTES
)

# Its fields are those `cleanup.policy_text` reads (policy_text.FORM_FIELDS).
CLEANUP_RULES_SCHEMA = vol.Schema(
    {
        vol.Optional("movie_limits"): TEXT_SELECTOR,
        vol.Optional("series_limits"): TEXT_SELECTOR,
        vol.Optional("album_limits"): TEXT_SELECTOR,
        vol.Required("series_unit"): SelectSelector(
            SelectSelectorConfig(
                options=["season", "series"],
                mode=SelectSelectorMode.LIST,
                translation_key="series_unit",
            )
        ),
        vol.Optional("exclusion_tags"): TEXT_SELECTOR,
        vol.Required("protect_favorites"): BOOLEAN_SELECTOR,
        vol.Optional("tag_schedules"): TEXT_SELECTOR,
        vol.Optional("rolling_tag"): TEXT_SELECTOR,
        vol.Required("rolling_keep_episodes"): count_selector("episodes"),
        vol.Required("rolling_max_age_days"): count_selector("days"),
        vol.Required("grace_days"): count_selector("days"),
        vol.Required("free_until_target"): BOOLEAN_SELECTOR,
        vol.Required("target_margin_percent"): NumberSelector(
            NumberSelectorConfig(
                step=0.1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
            )
        ),
        vol.Required("max_items_per_run"): count_selector("items"),
        vol.Required(MAX_GIB_PER_RUN): NumberSelector(
            NumberSelectorConfig(
                step="any", unit_of_measurement="GiB", mode=NumberSelectorMode.BOX
            )
        ),
        vol.Required("max_data_age_minutes"): count_selector("min"),
    }
)
CONFIRM_SCHEMA = vol.Schema(
    {vol.Required(CONF_CONFIRM, default=False): BOOLEAN_SELECTOR}
)


def cleanup_schedule_schema(cleanup: Mapping[str, Any]) -> vol.Schema:
    """How often cleanup runs and what it does besides deleting, as now stored."""
    return vol.Schema(
        {
            vol.Required(
                CONF_CLEANUP_INTERVAL,
                default=cleanup.get(
                    CONF_CLEANUP_INTERVAL, DEFAULT_CLEANUP_INTERVAL_MINUTES
                ),
            ): CLEANUP_INTERVAL_SELECTOR,
            vol.Required(
                CONF_IMPORT_EXCLUSION,
                default=cleanup.get(CONF_IMPORT_EXCLUSION, False),
            ): BOOLEAN_SELECTOR,
            vol.Required(
                CONF_LEAVING_SOON_COLLECTION,
                default=cleanup.get(CONF_LEAVING_SOON_COLLECTION, True),
            ): BOOLEAN_SELECTOR,
        }
    )


def cleanup_schedule_values(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the cleanup schedule options as stored."""
    return {
        key: user_input[key]
        for key in (
            CONF_CLEANUP_INTERVAL,
            CONF_IMPORT_EXCLUSION,
            CONF_LEAVING_SOON_COLLECTION,
        )
    }


# --------------------------------------------------------------------------- BitTorrent

TORRENT_CHOICE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_ENABLED): BOOLEAN_SELECTOR,
        vol.Required(CONF_BACKEND): SelectSelector(
            SelectSelectorConfig(
                options=list(BACKENDS),
                mode=SelectSelectorMode.LIST,
                translation_key="torrent_backend",
            )
        ),
    }
)

CLIENT_NAMES = {
    BACKEND_QBITTORRENT: "qBittorrent",
    BACKEND_TRANSMISSION: "Transmission",
}

SEEDING_DEFAULTS: dict[str, Any] = {
    CONF_SEEDING_RATIO: DEFAULT_SEEDING_RATIO,
    CONF_SEEDING_HOURS: DEFAULT_SEEDING_HOURS,
    CONF_LIMIT_ACTION: "pause",
    CONF_ALL_TORRENT_ENTITIES: False,
}

SEEDING_SCHEMA: dict[vol.Marker, Any] = {
    vol.Required(CONF_SEEDING_RATIO): NumberSelector(
        NumberSelectorConfig(min=0, step=0.1, mode=NumberSelectorMode.BOX)
    ),
    # Hours may be fractional: a half hour is a fine limit.
    vol.Required(CONF_SEEDING_HOURS): NumberSelector(
        NumberSelectorConfig(
            min=0, step=0.5, unit_of_measurement="h", mode=NumberSelectorMode.BOX
        )
    ),
    vol.Required(CONF_LIMIT_ACTION): SelectSelector(
        SelectSelectorConfig(
            options=["pause", "remove"],
            mode=SelectSelectorMode.LIST,
            translation_key="limit_action",
        )
    ),
    vol.Required(CONF_ALL_TORRENT_ENTITIES): BOOLEAN_SELECTOR,
}

TORRENT_CLIENT_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_URL): URL_SELECTOR,
        vol.Optional(CONF_USERNAME): TEXT_SELECTOR,
        # Empty keeps the stored password.
        vol.Optional(CONF_PASSWORD): KEY_SELECTOR,
        vol.Optional(CONF_CLIENT_DOWNLOAD_DIR): TEXT_SELECTOR,
    }
    | SEEDING_SCHEMA
)


def _port_selector() -> IntegerSelector:
    return integer_selector(low=1, high=MAX_PORT)


def _rate_selector() -> IntegerSelector:
    return integer_selector("KiB/s", low=0)


TORRENT_ENGINE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_DOWNLOAD_DIR): TEXT_SELECTOR,
        vol.Required(CONF_LISTEN_PORT_MIN): _port_selector(),
        vol.Required(CONF_LISTEN_PORT_MAX): _port_selector(),
        vol.Required(CONF_CONNECTIONS_LIMIT): integer_selector(low=2),
        vol.Required(CONF_DOWNLOAD_RATE_LIMIT): _rate_selector(),
        vol.Required(CONF_UPLOAD_RATE_LIMIT): _rate_selector(),
        vol.Required(CONF_ENABLE_DHT): BOOLEAN_SELECTOR,
        vol.Required(CONF_ENABLE_LSD): BOOLEAN_SELECTOR,
        vol.Required(CONF_ENABLE_UPNP): BOOLEAN_SELECTOR,
        vol.Required(CONF_ENABLE_NATPMP): BOOLEAN_SELECTOR,
        # Optional, as the options added after the others: a form sent
        # without them keeps what is stored.
        vol.Optional(CONF_ENABLE_UTP): BOOLEAN_SELECTOR,
        vol.Optional(CONF_BIND_INTERFACE): TEXT_SELECTOR,
        # The folder Radarr and Sonarr drop torrent and magnet files in
        # (Torrent Blackhole); an empty path is `<download directory>/watch`.
        vol.Optional(CONF_WATCH_FOLDER): BOOLEAN_SELECTOR,
        vol.Optional(CONF_WATCH_DIR): TEXT_SELECTOR,
    }
    | SEEDING_SCHEMA
)


def engine_defaults(hass: HomeAssistant) -> dict[str, Any]:
    """Return what the engine form shows for options never stored."""
    return {
        CONF_DOWNLOAD_DIR: default_download_dir(hass),
        CONF_LISTEN_PORT_MIN: DEFAULT_LISTEN_PORT_MIN,
        CONF_LISTEN_PORT_MAX: DEFAULT_LISTEN_PORT_MAX,
        CONF_CONNECTIONS_LIMIT: DEFAULT_CONNECTIONS_LIMIT,
        CONF_DOWNLOAD_RATE_LIMIT: 0,
        CONF_UPLOAD_RATE_LIMIT: 0,
        CONF_ENABLE_DHT: True,
        CONF_ENABLE_LSD: True,
        CONF_ENABLE_UPNP: True,
        CONF_ENABLE_NATPMP: True,
        CONF_ENABLE_UTP: True,
        CONF_BIND_INTERFACE: "",
        CONF_WATCH_FOLDER: True,
        CONF_WATCH_DIR: "",
    } | SEEDING_DEFAULTS


CLIENT_DEFAULTS: dict[str, Any] = {
    CONF_URL: "",
    CONF_USERNAME: "",
    CONF_CLIENT_DOWNLOAD_DIR: "",
} | SEEDING_DEFAULTS


def torrent_values(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the built-in engine's options as stored.

    Ports, limits and rates come as int from their selectors (a fraction is
    refused on its field before anything is stored).
    """
    values = dict(user_input)
    values[CONF_SEEDING_RATIO] = float(values[CONF_SEEDING_RATIO])
    values[CONF_SEEDING_HOURS] = float(values[CONF_SEEDING_HOURS])
    values[CONF_DOWNLOAD_DIR] = str(values[CONF_DOWNLOAD_DIR]).strip()
    # A text field cleared in the form is not sent: it is empty.
    values[CONF_BIND_INTERFACE] = str(values.get(CONF_BIND_INTERFACE) or "").strip()
    values[CONF_WATCH_DIR] = str(values.get(CONF_WATCH_DIR) or "").strip()
    return values


def _seeding_values(user_input: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_SEEDING_RATIO: float(user_input[CONF_SEEDING_RATIO]),
        CONF_SEEDING_HOURS: float(user_input[CONF_SEEDING_HOURS]),
        CONF_LIMIT_ACTION: user_input[CONF_LIMIT_ACTION],
        CONF_ALL_TORRENT_ENTITIES: bool(user_input[CONF_ALL_TORRENT_ENTITIES]),
    }


def client_values(
    user_input: Mapping[str, Any], stored: Mapping[str, Any]
) -> dict[str, Any]:
    """Return an external client's options as stored.

    An empty password keeps the stored one; without a username there is no
    password either (the client lets this address in without logging in).
    """
    username = str(user_input.get(CONF_USERNAME) or "").strip()
    password = str(user_input.get(CONF_PASSWORD) or "")
    if not password and username:
        password = str(stored.get(CONF_PASSWORD) or "")
    return {
        CONF_URL: str(user_input[CONF_URL]).strip(),
        CONF_USERNAME: username,
        CONF_PASSWORD: password if username else "",
        CONF_CLIENT_DOWNLOAD_DIR: str(
            user_input.get(CONF_CLIENT_DOWNLOAD_DIR) or ""
        ).strip(),
    } | _seeding_values(user_input)


# ----------------------------------------------------------------------- adding

# The instance whose adding defaults the next step shows.
CONF_ADDING_INSTANCE: Final = "instance"


def _select(
    options: Sequence[str] | Sequence[SelectOptionDict],
    *,
    translation_key: str | None = None,
    mode: SelectSelectorMode = SelectSelectorMode.DROPDOWN,
) -> SelectSelector:
    config = SelectSelectorConfig(options=options, mode=mode)
    if translation_key is not None:
        config["translation_key"] = translation_key
    return SelectSelector(config)


def adding_schema(routes: Iterable[str], instances: Mapping[str, str]) -> vol.Schema:
    """Ask for the route of movies and series, and the instance to set up.

    `routes` are those on offer (Jellyseerr only when one is connected) and
    `instances` the *arr by subentry id, with their names.
    """
    offered = list(routes)
    schema: dict[Any, Any] = {}
    if len(offered) > 1:
        schema[vol.Required(OPT_ROUTE)] = _select(
            offered, translation_key="adding_route", mode=SelectSelectorMode.LIST
        )
    if instances:
        schema[vol.Required(CONF_ADDING_INSTANCE)] = _select(
            [SelectOptionDict(value=key, label=name) for key, name in instances.items()]
        )
    return vol.Schema(schema)


def _profile_options(profiles: Iterable[Profile]) -> list[SelectOptionDict]:
    return [SelectOptionDict(value=str(p.id), label=p.name) for p in profiles]


def adding_defaults_schema(
    service: ServiceKind,
    root_folders: Iterable[str],
    quality_profiles: Iterable[Profile],
    metadata_profiles: Iterable[Profile] = (),
) -> vol.Schema:
    """Ask for one instance's adding defaults, among what it has now."""
    schema: dict[Any, Any] = {
        vol.Required(OPT_ROOT_FOLDER): _select(list(root_folders)),
        vol.Required(OPT_QUALITY_PROFILE): _select(_profile_options(quality_profiles)),
    }
    if service == ServiceKind.LIDARR:
        schema[vol.Required(OPT_METADATA_PROFILE)] = _select(
            _profile_options(metadata_profiles)
        )
    schema[vol.Required(OPT_MONITORED)] = BOOLEAN_SELECTOR
    schema[vol.Required(OPT_MONITOR)] = _select(
        [option_key(v) for v in MONITOR_VALUES[service]], translation_key="add_monitor"
    )
    if service == ServiceKind.RADARR:
        schema[vol.Required(OPT_MINIMUM_AVAILABILITY)] = _select(
            [option_key(v) for v in MINIMUM_AVAILABILITY_VALUES],
            translation_key="minimum_availability",
        )
    if service == ServiceKind.SONARR:
        schema[vol.Required(OPT_SEASON_FOLDER)] = BOOLEAN_SELECTOR
    schema[vol.Required(OPT_SEARCH)] = BOOLEAN_SELECTOR
    schema[vol.Required(OPT_DEFAULT_FOR_KIND)] = BOOLEAN_SELECTOR
    return vol.Schema(schema)


def adding_defaults_shown(settings: AddSettings) -> dict[str, Any]:
    """Return the values the defaults form shows, as the selects spell them."""
    shown = {k: v for k, v in settings.to_options().items() if v is not None}
    for key in (OPT_QUALITY_PROFILE, OPT_METADATA_PROFILE):
        if key in shown:
            shown[key] = str(shown[key])
    for key in (OPT_MONITOR, OPT_MINIMUM_AVAILABILITY):
        if key in shown:
            shown[key] = option_key(shown[key])
    return shown


def adding_defaults_values(
    service: ServiceKind, user_input: Mapping[str, Any]
) -> AddSettings:
    """Return the defaults the form gave, as settings (ids as numbers)."""
    values = dict(user_input)
    for key in (OPT_QUALITY_PROFILE, OPT_METADATA_PROFILE):
        if key in values:
            values[key] = int(values[key])
    values[OPT_MONITOR] = from_option_key(values[OPT_MONITOR], MONITOR_VALUES[service])
    if OPT_MINIMUM_AVAILABILITY in values:
        values[OPT_MINIMUM_AVAILABILITY] = from_option_key(
            values[OPT_MINIMUM_AVAILABILITY], MINIMUM_AVAILABILITY_VALUES
        )
    return AddSettings.from_options(service, values)

"""Config flow for LCARS: one entry, one subentry per connected service."""

from __future__ import annotations

from collections.abc import Mapping
import math
import re
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.const import (
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import HomeAssistant, callback
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

from .cleanup import CleanupPolicy, PolicyError
from .cleanup.policy import GIB, tag_key
from .clients import (
    AuthenticationError,
    BadResponseError,
    CannotConnectError,
    InvalidUrlError,
    WrongServiceError,
    redact_url,
    url_has_secrets,
)
from .connection import ServiceIdentity, async_identify
from .const import (
    CONF_CLEANUP,
    CONF_CLEANUP_INTERVAL,
    CONF_CLEANUP_POLICY,
    CONF_IMPORT_EXCLUSION,
    CONF_LEAVING_SOON_COLLECTION,
    CONF_SCAN_INTERVAL,
    CONF_USERS,
    DEFAULT_CLEANUP_INTERVAL_MINUTES,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    MAX_CLEANUP_INTERVAL_MINUTES,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_CLEANUP_INTERVAL_MINUTES,
    MIN_SCAN_INTERVAL_SECONDS,
    SERVICE_JELLYFIN,
    SERVICE_NAMES,
    SERVICE_TYPES,
)
from .permissions import PathNotAllowedError, async_check_path
from .torrent import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    EngineError,
    TorrentEvent,
)
from .torrent_manager import (
    BACKEND_LIBTORRENT,
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
    CONF_ENABLED,
    CONF_LIMIT_ACTION,
    CONF_LISTEN_PORT_MAX,
    CONF_LISTEN_PORT_MIN,
    CONF_SEEDING_HOURS,
    CONF_SEEDING_RATIO,
    CONF_TORRENT,
    CONF_UPLOAD_RATE_LIMIT,
    DEFAULT_CONNECTIONS_LIMIT,
    DEFAULT_LISTEN_PORT_MAX,
    DEFAULT_LISTEN_PORT_MIN,
    DEFAULT_SEEDING_HOURS,
    DEFAULT_SEEDING_RATIO,
    MAX_PORT,
    MIN_PORT,
    client_backend,
    default_download_dir,
)

TITLE = "LCARS"

URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))

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


async def _async_check_new_connection(
    hass: HomeAssistant, kind: str, data: Mapping[str, Any]
) -> tuple[ServiceIdentity | None, dict[str, str]]:
    """Check a URL entered in a form, then connect like `_async_try_identify`.

    A user, password, query or fragment in the URL is refused before
    anything is sent: the API key has its own field, and a secret in the URL
    would be stored (and shown) with it.
    """
    if url_has_secrets(data[CONF_URL]):
        return None, {CONF_URL: "url_has_secrets"}
    return await _async_try_identify(hass, kind, data)


async def _async_try_identify(
    hass: HomeAssistant, kind: str, data: Mapping[str, Any]
) -> tuple[ServiceIdentity | None, dict[str, str]]:
    """Connect with the given settings; return who answered or the form errors."""
    try:
        identity = await async_identify(hass, kind, data)
    except InvalidUrlError:
        return None, {CONF_URL: "invalid_url"}
    except AuthenticationError:
        return None, {"base": "invalid_auth"}
    except CannotConnectError:
        return None, {"base": "cannot_connect"}
    except WrongServiceError:
        return None, {"base": "wrong_service"}
    except BadResponseError:
        return None, {"base": "unexpected_response"}
    except Exception:  # noqa: BLE001 - any failure must end in a form error
        LOGGER.exception("Unexpected error while connecting to %s", SERVICE_NAMES[kind])
        return None, {"base": "unknown"}
    return identity, {}


def _without_url_secrets(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return a form's input to show again, its URL without user, password or query."""
    return {**user_input, CONF_URL: redact_url(str(user_input[CONF_URL]))}


def _connection_data(
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


@callback
def _async_reload_if_needed(
    hass: HomeAssistant, entry: ConfigEntry, changed: bool
) -> None:
    """Reload when the update listener of a loaded entry will not do it.

    A loaded entry reloads itself on any change; an entry waiting to retry its
    setup, or an unchanged one, must be told so the new settings are tried now.
    """
    if not changed or entry.state is not ConfigEntryState.LOADED:
        hass.config_entries.async_schedule_reload(entry.entry_id)


class LcarsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Create the single LCARS entry and re-authenticate its services."""

    VERSION = 1

    _reauth_subentry_id: str

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> LcarsOptionsFlow:
        """Options of the LCARS entry."""
        return LcarsOptionsFlow()

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Every kind of service is a subentry type."""
        return dict.fromkeys(SERVICE_TYPES, ServiceSubentryFlow)

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create LCARS; services are added afterwards as subentries.

        There is one LCARS entry: the manifest says so (single_config_entry),
        and Home Assistant refuses a second one before this step.
        """
        if user_input is not None:
            return self.async_create_entry(
                title=TITLE,
                data={},
                options={
                    CONF_SCAN_INTERVAL: int(DEFAULT_SCAN_INTERVAL.total_seconds())
                },
            )
        return self.async_show_form(step_id="user")

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Ask for the new key of the service that refused the old one."""
        subentry_id = entry_data.get("subentry_id")
        if not isinstance(subentry_id, str) or (
            subentry_id not in self._get_reauth_entry().subentries
        ):
            return self.async_abort(reason="service_not_found")
        self._reauth_subentry_id = subentry_id
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Validate the new key of the service and store it."""
        entry = self._get_reauth_entry()
        subentry = entry.subentries[self._reauth_subentry_id]
        kind = subentry.subentry_type
        errors: dict[str, str] = {}
        if user_input is not None:
            data = dict(subentry.data)
            data[CONF_API_KEY] = str(user_input[CONF_API_KEY]).strip()
            identity, errors = await _async_try_identify(self.hass, kind, data)
            if identity is not None:
                if subentry.unique_id not in (None, identity.unique_id):
                    return self.async_abort(reason="unique_id_mismatch")
                changed = self.hass.config_entries.async_update_subentry(
                    entry, subentry, data=data
                )
                _async_reload_if_needed(self.hass, entry, changed)
                return self.async_abort(reason="reauth_successful")
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={
                "service": SERVICE_NAMES[kind],
                "name": subentry.title,
                "url": redact_url(subentry.data[CONF_URL]),
            },
        )


class ServiceSubentryFlow(ConfigSubentryFlow):
    """Add or reconfigure one connected service."""

    _data: dict[str, Any]
    _identity: ServiceIdentity

    @property
    def _kind(self) -> str:
        """The kind of service this flow is for."""
        return self.handler[1]

    @property
    def _placeholders(self) -> dict[str, str]:
        return {"service": SERVICE_NAMES[self._kind]}

    def _unique_id_taken(self, unique_id: str, exclude: str | None = None) -> bool:
        """Whether another subentry already connects to this server."""
        return any(
            subentry.unique_id == unique_id
            for subentry_id, subentry in self._get_entry().subentries.items()
            if subentry_id != exclude
        )

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Ask for the URL and API key of the service and test them."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _connection_data(user_input)
            identity, errors = await _async_check_new_connection(
                self.hass, self._kind, data
            )
            if identity is not None:
                if self._unique_id_taken(identity.unique_id):
                    return self.async_abort(reason="already_configured")
                self._data, self._identity = data, identity
                if self._kind == SERVICE_JELLYFIN:
                    return await self.async_step_users()
                return self._async_finish()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                CONNECTION_SCHEMA,
                None if user_input is None else _without_url_secrets(user_input),
            ),
            errors=errors,
            description_placeholders=self._placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change the URL, key or certificate check of a service."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _connection_data(user_input, subentry.data)
            identity, errors = await _async_check_new_connection(
                self.hass, self._kind, data
            )
            if identity is not None:
                # Jellyfin names its server: the same subentry must stay on it.
                if self._kind == SERVICE_JELLYFIN and identity.unique_id not in (
                    subentry.unique_id,
                    None,
                ):
                    return self.async_abort(reason="unique_id_mismatch")
                if self._unique_id_taken(identity.unique_id, subentry.subentry_id):
                    return self.async_abort(reason="already_configured")
                self._data, self._identity = data, identity
                if self._kind == SERVICE_JELLYFIN:
                    return await self.async_step_users()
                return self._async_finish_reconfigure(subentry)
        suggested = {
            # A URL stored with a secret in it (before such URLs were
            # refused) is offered without it: it goes to the browser.
            CONF_URL: redact_url(subentry.data[CONF_URL]),
            CONF_VERIFY_SSL: subentry.data.get(CONF_VERIFY_SSL, True),
        }
        if user_input is not None:
            suggested |= {
                key: value
                for key, value in _without_url_secrets(user_input).items()
                if key != CONF_API_KEY
            }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, suggested
            ),
            errors=errors,
            description_placeholders=self._placeholders | {"name": subentry.title},
        )

    async def async_step_users(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Choose the Jellyfin users whose watch data counts.

        Disabled users are not offered: their watch data never counts.
        """
        users = {
            user.id: user.name for user in self._identity.users if not user.is_disabled
        }
        errors: dict[str, str] = {}
        if user_input is not None:
            chosen = [user for user in user_input[CONF_USERS] if user in users]
            if chosen:
                self._data[CONF_USERS] = chosen
                if self.source == SOURCE_RECONFIGURE:
                    return self._async_finish_reconfigure(
                        self._get_reconfigure_subentry()
                    )
                return self._async_finish()
            errors["base"] = "no_users"
        default = list(users)
        current = self._data.get(CONF_USERS)
        if current and (known := [user for user in current if user in users]):
            default = known
        schema = vol.Schema(
            {
                vol.Required(CONF_USERS, default=default): SelectSelector(
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
        return self.async_show_form(
            step_id="users",
            data_schema=schema,
            errors=errors,
            description_placeholders=self._placeholders
            | {"name": self._identity.title},
        )

    @callback
    def _async_finish(self) -> SubentryFlowResult:
        """Create the subentry."""
        return self.async_create_entry(
            title=self._identity.title,
            data=self._data,
            unique_id=self._identity.unique_id,
        )

    @callback
    def _async_finish_reconfigure(self, subentry: ConfigSubentry) -> SubentryFlowResult:
        """Store the new settings of the subentry and apply them."""
        entry = self._get_entry()
        changed = self.hass.config_entries.async_update_subentry(
            entry,
            subentry,
            data=self._data,
            title=self._identity.title,
            unique_id=self._identity.unique_id,
        )
        _async_reload_if_needed(self.hass, entry, changed)
        return self.async_abort(reason="reconfigure_successful")


# --------------------------------------------------------------------------- options

# Form fields of the cleanup rules that are not a policy setting of the same name.
# The data cap is entered in GiB, the unit LCARS writes sizes in everywhere.
CONF_MAX_GB_PER_RUN = "max_gigabytes_per_run"
CONF_CONFIRM = "confirm"

LIMIT_FIELDS = ("movie_limits", "series_limits", "album_limits")
# Labels the *arr accept for a tag, once written the way the policy compares them.
_TAG_LABEL = re.compile(r"[a-z0-9-]+")
# One age limit: "<free percent>: <days>", the percent sign optional.
_LIMIT_ENTRY = re.compile(
    r"(?P<percent>[-+]?\d+(?:\.\d+)?)\s*%?\s*:\s*(?P<days>[-+]?\d+)"
)
# One tag schedule: "<tag>: <days>"; the tag is checked afterwards.
_SCHEDULE_ENTRY = re.compile(r"(?P<tag>[^:]*):\s*(?P<days>[-+]?\d+)")

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


def _integer_selector(
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


def _count_selector(unit: str) -> IntegerSelector:
    """Ask for a number without bounds: the policy refuses wrong values with a reason."""
    return _integer_selector(unit)


def _fraction_errors(
    schema: vol.Schema, user_input: Mapping[str, Any]
) -> dict[str, str]:
    """Refuse, on its field, a fraction given for a whole number."""
    return {
        str(key): "invalid_type"
        for key, selector in schema.schema.items()
        if isinstance(selector, IntegerSelector)
        and isinstance(user_input.get(str(key)), float)
    }


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
        vol.Required("rolling_keep_episodes"): _count_selector("episodes"),
        vol.Required("rolling_max_age_days"): _count_selector("days"),
        vol.Required("grace_days"): _count_selector("days"),
        vol.Required("free_until_target"): BOOLEAN_SELECTOR,
        vol.Required("target_margin_percent"): NumberSelector(
            NumberSelectorConfig(
                step=0.1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
            )
        ),
        vol.Required("max_items_per_run"): _count_selector("items"),
        vol.Required(CONF_MAX_GB_PER_RUN): NumberSelector(
            NumberSelectorConfig(
                step="any", unit_of_measurement="GiB", mode=NumberSelectorMode.BOX
            )
        ),
        vol.Required("max_data_age_minutes"): _count_selector("min"),
    }
)
# Policy setting -> the form field it is entered in; settings that are not in
# the form report their errors on the whole form.
_FORM_FIELDS = {str(key): str(key) for key in CLEANUP_RULES_SCHEMA.schema} | {
    "max_bytes_per_run": CONF_MAX_GB_PER_RUN
}
CONFIRM_SCHEMA = vol.Schema(
    {vol.Required(CONF_CONFIRM, default=False): BOOLEAN_SELECTOR}
)
SCAN_INTERVAL_SELECTOR = _integer_selector(
    "s", low=MIN_SCAN_INTERVAL_SECONDS, high=MAX_SCAN_INTERVAL_SECONDS
)
CLEANUP_INTERVAL_SELECTOR = _integer_selector(
    "min", low=MIN_CLEANUP_INTERVAL_MINUTES, high=MAX_CLEANUP_INTERVAL_MINUTES
)


class _FormError(Exception):
    """A form field that cannot be read, with the offending entry."""

    def __init__(self, field: str, code: str, detail: str) -> None:
        super().__init__(code)
        self.field = field
        self.code = code
        self.detail = detail


def _entries(text: str) -> list[str]:
    """Split a text field at commas, leaving out empty entries."""
    return [part.strip() for part in text.split(",") if part.strip()]


def _parse_limits(field: str, text: str) -> list[tuple[float, int]]:
    """Read "5: 15, 10: 30" as (free percent, days) pairs, in the order given.

    Pairs rather than a map, so that a percent given twice reaches the policy,
    which refuses it with a reason.
    """
    pairs: list[tuple[float, int]] = []
    for entry in _entries(text):
        match = _LIMIT_ENTRY.fullmatch(entry)
        if match is None:
            raise _FormError(field, "invalid_limits_format", entry)
        pairs.append((float(match["percent"]), int(match["days"])))
    return pairs


def _checked_label(field: str, tag: str) -> str:
    """Refuse a tag the *arr would not accept; an empty one is left to the policy."""
    if tag_key(tag) and _TAG_LABEL.fullmatch(tag_key(tag)) is None:
        raise _FormError(field, "invalid_tag", tag.strip())
    return tag


def _parse_schedules(text: str) -> dict[str, int]:
    """Read "delete-after-30d: 30, ..." as tag -> days; a tag may appear once."""
    schedules: dict[str, int] = {}
    seen: set[str] = set()
    for entry in _entries(text):
        match = _SCHEDULE_ENTRY.fullmatch(entry)
        if match is None:
            raise _FormError("tag_schedules", "invalid_schedule_format", entry)
        tag = _checked_label("tag_schedules", match["tag"])
        if tag_key(tag) in seen:
            raise _FormError("tag_schedules", "duplicate_tag", tag.strip())
        seen.add(tag_key(tag))
        schedules[tag] = int(match["days"])
    return schedules


def _policy_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the cleanup rules form into `CleanupPolicy.from_dict` settings."""
    data: dict[str, Any] = {
        field: _parse_limits(field, user_input.get(field, "")) for field in LIMIT_FIELDS
    }
    data["exclusion_tags"] = [
        _checked_label("exclusion_tags", tag)
        for tag in _entries(user_input.get("exclusion_tags", ""))
    ]
    data["tag_schedules"] = _parse_schedules(user_input.get("tag_schedules", ""))
    data["rolling_tag"] = _checked_label(
        "rolling_tag", user_input.get("rolling_tag", "")
    )
    for field in (
        "series_unit",
        "protect_favorites",
        "rolling_keep_episodes",
        "rolling_max_age_days",
        "grace_days",
        "free_until_target",
        "target_margin_percent",
        "max_items_per_run",
        "max_data_age_minutes",
    ):
        data[field] = user_input[field]
    # Whole bytes; a value that is not a finite number goes to the policy as
    # it is, which refuses it with a reason.
    gibibytes: float = user_input[CONF_MAX_GB_PER_RUN]
    data["max_bytes_per_run"] = (
        round(gibibytes * GIB) if math.isfinite(gibibytes) else gibibytes
    )
    return data


def _number(value: float) -> float:
    """Show whole numbers without a decimal point."""
    return int(value) if value == int(value) else value


def _policy_form_values(policy: CleanupPolicy) -> dict[str, Any]:
    """Fill the cleanup rules form in with a policy."""
    values: dict[str, Any] = {
        field: ", ".join(
            f"{percent:g}: {days}" for percent, days in getattr(policy, field).items()
        )
        for field in LIMIT_FIELDS
    }
    values |= {
        "series_unit": policy.series_unit,
        "exclusion_tags": ", ".join(sorted(policy.exclusion_tags)),
        "protect_favorites": policy.protect_favorites,
        "tag_schedules": ", ".join(
            f"{tag}: {days}" for tag, days in policy.tag_schedules.items()
        ),
        "rolling_tag": policy.rolling_tag,
        "rolling_keep_episodes": policy.rolling_keep_episodes,
        "rolling_max_age_days": policy.rolling_max_age_days,
        "grace_days": policy.grace_days,
        "free_until_target": policy.free_until_target,
        "target_margin_percent": _number(policy.target_margin_percent),
        "max_items_per_run": policy.max_items_per_run,
        CONF_MAX_GB_PER_RUN: _number(policy.max_bytes_per_run / GIB),
        "max_data_age_minutes": policy.max_data_age_minutes,
    }
    return values


class LcarsOptionsFlow(OptionsFlow):
    """Polling interval and cleanup of LCARS, one menu entry each."""

    _pending_input: dict[str, Any]
    _pending_policy: CleanupPolicy
    # Whether BitTorrent runs and with which backend, until the next step saves.
    _torrent_choice: dict[str, Any]

    @property
    def _cleanup(self) -> dict[str, Any]:
        """The current cleanup options."""
        return dict(self.config_entry.options.get(CONF_CLEANUP) or {})

    @property
    def _policy(self) -> CleanupPolicy:
        """The current cleanup policy; the default one when none is stored."""
        try:
            return CleanupPolicy.from_dict(self._cleanup.get(CONF_CLEANUP_POLICY) or {})
        except PolicyError as err:
            # Stored options that no longer validate must not lock the form.
            LOGGER.warning("The stored cleanup policy is not valid: %s", err)
            return CleanupPolicy()

    @callback
    def _async_save(self, **changes: Any) -> ConfigFlowResult:
        """Store the options with some keys changed and every other key kept."""
        return self.async_create_entry(data=dict(self.config_entry.options) | changes)

    @callback
    def _async_save_cleanup(self, **changes: Any) -> ConfigFlowResult:
        """Store the cleanup options with some keys changed."""
        return self._async_save(**{CONF_CLEANUP: self._cleanup | changes})

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose what to change."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["polling", "cleanup_rules", "cleanup_schedule", "torrent"],
        )

    async def async_step_polling(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how often the services are polled."""
        current = self.config_entry.options.get(
            CONF_SCAN_INTERVAL, int(DEFAULT_SCAN_INTERVAL.total_seconds())
        )
        schema = vol.Schema(
            {vol.Required(CONF_SCAN_INTERVAL, default=current): SCAN_INTERVAL_SELECTOR}
        )
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _fraction_errors(schema, user_input)
            if not errors:
                return self._async_save(
                    **{CONF_SCAN_INTERVAL: user_input[CONF_SCAN_INTERVAL]}
                )
            # Refused: the form shows what was typed, with the error on it.
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="polling", data_schema=schema, errors=errors
        )

    async def async_step_cleanup_rules(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the cleanup policy; nothing is stored while it is not valid."""
        if user_input is None:
            return self._async_show_rules(_policy_form_values(self._policy))
        try:
            policy = CleanupPolicy.from_dict(
                self._policy.to_dict() | _policy_data(user_input)
            )
        except _FormError as err:
            return self._async_show_rules(user_input, err.field, err.code, err.detail)
        except PolicyError as err:
            return self._async_show_rules(
                user_input, _FORM_FIELDS.get(err.field, "base"), err.code, err.detail
            )
        if policy.notices():
            self._pending_input, self._pending_policy = user_input, policy
            return await self.async_step_cleanup_rules_confirm()
        return self._async_save_cleanup(**{CONF_CLEANUP_POLICY: policy.to_dict()})

    @callback
    def _async_show_rules(
        self,
        values: Mapping[str, Any],
        field: str | None = None,
        code: str | None = None,
        detail: str | None = None,
    ) -> ConfigFlowResult:
        """Show the cleanup rules form with the given values and at most one error."""
        return self.async_show_form(
            step_id="cleanup_rules",
            data_schema=self.add_suggested_values_to_schema(
                CLEANUP_RULES_SCHEMA, values
            ),
            errors={field: code} if field and code else {},
            description_placeholders={"detail": detail or ""},
        )

    async def async_step_cleanup_rules_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point out a valid but surprising policy before it is stored."""
        policy = self._pending_policy
        if user_input is not None:
            if user_input[CONF_CONFIRM]:
                return self._async_save_cleanup(
                    **{CONF_CLEANUP_POLICY: policy.to_dict()}
                )
            return self._async_show_rules(self._pending_input)
        return self.async_show_form(
            step_id="cleanup_rules_confirm",
            data_schema=CONFIRM_SCHEMA,
            description_placeholders={
                "grace_days": str(policy.grace_days),
                "longest_days": str(policy.longest_limit_days),
            },
        )

    async def async_step_cleanup_schedule(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how often cleanup runs and what it does besides deleting."""
        cleanup = self._cleanup
        schema = vol.Schema(
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
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _fraction_errors(schema, user_input)
            if not errors:
                return self._async_save_cleanup(
                    **{
                        CONF_CLEANUP_INTERVAL: user_input[CONF_CLEANUP_INTERVAL],
                        CONF_IMPORT_EXCLUSION: user_input[CONF_IMPORT_EXCLUSION],
                        CONF_LEAVING_SOON_COLLECTION: user_input[
                            CONF_LEAVING_SOON_COLLECTION
                        ],
                    }
                )
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="cleanup_schedule", data_schema=schema, errors=errors
        )

    async def async_step_torrent(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask whether BitTorrent runs, and with which client."""
        current = self._torrent
        if user_input is not None:
            choice = {
                CONF_ENABLED: bool(user_input[CONF_ENABLED]),
                CONF_BACKEND: user_input[CONF_BACKEND],
            }
            if not choice[CONF_ENABLED]:
                # Switched off: the other settings stay for the next time.
                return self._async_save(**{CONF_TORRENT: current | choice})
            self._torrent_choice = choice
            if choice[CONF_BACKEND] == BACKEND_LIBTORRENT:
                return await self.async_step_torrent_engine()
            return await self.async_step_torrent_client()
        shown = {CONF_ENABLED: False, CONF_BACKEND: BACKEND_LIBTORRENT} | current
        return self.async_show_form(
            step_id="torrent",
            data_schema=self.add_suggested_values_to_schema(
                TORRENT_CHOICE_SCHEMA, shown
            ),
        )

    @property
    def _torrent(self) -> dict[str, Any]:
        """The current torrent options."""
        return dict(self.config_entry.options.get(CONF_TORRENT) or {})

    @callback
    def _async_save_torrent(self, values: Mapping[str, Any]) -> ConfigFlowResult:
        """Store the torrent options; those of the other backends are kept."""
        return self._async_save(
            **{CONF_TORRENT: self._torrent | dict(values) | self._torrent_choice}
        )

    async def async_step_torrent_engine(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how the built-in BitTorrent engine runs."""
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = _fraction_errors(TORRENT_ENGINE_SCHEMA, user_input)
            values = _torrent_values(user_input)
            try:
                await async_check_path(self.hass, values[CONF_DOWNLOAD_DIR], write=True)
            except PathNotAllowedError as err:
                errors[CONF_DOWNLOAD_DIR] = (
                    "download_dir_served" if err.served else "download_dir_not_allowed"
                )
            low, high = values[CONF_LISTEN_PORT_MIN], values[CONF_LISTEN_PORT_MAX]
            if CONF_LISTEN_PORT_MIN not in errors and not (
                MIN_PORT <= low <= high <= MAX_PORT
            ):
                errors[CONF_LISTEN_PORT_MIN] = "invalid_port_range"
            if not errors:
                return self._async_save_torrent(values)
            current = values
        else:
            current = self._torrent
        defaults = {
            CONF_DOWNLOAD_DIR: default_download_dir(self.hass),
            CONF_LISTEN_PORT_MIN: DEFAULT_LISTEN_PORT_MIN,
            CONF_LISTEN_PORT_MAX: DEFAULT_LISTEN_PORT_MAX,
            CONF_CONNECTIONS_LIMIT: DEFAULT_CONNECTIONS_LIMIT,
            CONF_DOWNLOAD_RATE_LIMIT: 0,
            CONF_UPLOAD_RATE_LIMIT: 0,
            CONF_ENABLE_DHT: True,
            CONF_ENABLE_LSD: True,
            CONF_ENABLE_UPNP: True,
            CONF_ENABLE_NATPMP: True,
            CONF_BIND_INTERFACE: "",
        } | SEEDING_DEFAULTS
        return self.async_show_form(
            step_id="torrent_engine",
            data_schema=self.add_suggested_values_to_schema(
                TORRENT_ENGINE_SCHEMA, defaults | current
            ),
            errors=errors,
        )

    async def async_step_torrent_client(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask where the external client is; connect once before saving."""
        kind = self._torrent_choice[CONF_BACKEND]
        errors: dict[str, str] = {}
        if user_input is not None:
            values = _client_values(user_input, self._torrent)
            try:
                backend = client_backend(
                    self.hass, values | {CONF_BACKEND: kind}, _ignore_event
                )
                await backend.start()
            except BackendAuthError:
                # Without a username the login itself is missing, else the
                # password is the likely culprit.
                field = CONF_PASSWORD if values[CONF_USERNAME] else CONF_USERNAME
                errors[field] = "invalid_auth"
            except (BackendConnectionError, BackendResponseError):
                errors[CONF_URL] = "cannot_connect"
            except EngineError:
                # Raised before anything is sent: the address is not usable.
                errors[CONF_URL] = "invalid_url"
            else:
                await backend.stop()
                return self._async_save_torrent(values)
            current = values
        else:
            current = self._torrent
        # The stored password is never sent back to the browser.
        current = {k: v for k, v in current.items() if k != CONF_PASSWORD}
        defaults = {
            CONF_URL: "",
            CONF_USERNAME: "",
            CONF_CLIENT_DOWNLOAD_DIR: "",
        } | SEEDING_DEFAULTS
        return self.async_show_form(
            step_id="torrent_client",
            data_schema=self.add_suggested_values_to_schema(
                TORRENT_CLIENT_SCHEMA, defaults | current
            ),
            errors=errors,
            description_placeholders={"client": CLIENT_NAMES[kind]},
        )


def _ignore_event(_event: TorrentEvent) -> None:
    """Take no notice of events: the form only checks the connection."""


def _port_selector() -> IntegerSelector:
    return _integer_selector(low=1, high=MAX_PORT)


def _rate_selector() -> IntegerSelector:
    return _integer_selector("KiB/s", low=0)


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

TORRENT_ENGINE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_DOWNLOAD_DIR): TEXT_SELECTOR,
        vol.Required(CONF_LISTEN_PORT_MIN): _port_selector(),
        vol.Required(CONF_LISTEN_PORT_MAX): _port_selector(),
        vol.Required(CONF_CONNECTIONS_LIMIT): _integer_selector(low=2),
        vol.Required(CONF_DOWNLOAD_RATE_LIMIT): _rate_selector(),
        vol.Required(CONF_UPLOAD_RATE_LIMIT): _rate_selector(),
        vol.Required(CONF_ENABLE_DHT): BOOLEAN_SELECTOR,
        vol.Required(CONF_ENABLE_LSD): BOOLEAN_SELECTOR,
        vol.Required(CONF_ENABLE_UPNP): BOOLEAN_SELECTOR,
        vol.Required(CONF_ENABLE_NATPMP): BOOLEAN_SELECTOR,
        vol.Optional(CONF_BIND_INTERFACE): TEXT_SELECTOR,
    }
    | SEEDING_SCHEMA
)


def _torrent_values(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the torrent options as stored.

    Ports, limits and rates come as int from their selectors (a fraction is
    refused on its field before anything is stored).
    """
    values = dict(user_input)
    values[CONF_SEEDING_RATIO] = float(values[CONF_SEEDING_RATIO])
    values[CONF_SEEDING_HOURS] = float(values[CONF_SEEDING_HOURS])
    values[CONF_DOWNLOAD_DIR] = str(values[CONF_DOWNLOAD_DIR]).strip()
    values[CONF_BIND_INTERFACE] = str(values.get(CONF_BIND_INTERFACE) or "").strip()
    return values


def _seeding_values(user_input: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_SEEDING_RATIO: float(user_input[CONF_SEEDING_RATIO]),
        CONF_SEEDING_HOURS: float(user_input[CONF_SEEDING_HOURS]),
        CONF_LIMIT_ACTION: user_input[CONF_LIMIT_ACTION],
        CONF_ALL_TORRENT_ENTITIES: bool(user_input[CONF_ALL_TORRENT_ENTITIES]),
    }


def _client_values(
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

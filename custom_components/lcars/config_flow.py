"""Config flow for LCARS: one entry, one subentry per connected service.

The options of the entry are asked by options_flow.py; the forms themselves
are in schemas.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_KEY, CONF_URL, CONF_VERIFY_SSL
from homeassistant.core import HomeAssistant, callback

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
    CONF_SCAN_INTERVAL,
    CONF_USERS,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    LOGGER,
    SERVICE_JELLYFIN,
    SERVICE_NAMES,
    SERVICE_TYPES,
)
from .options_flow import LcarsOptionsFlow
from .schemas import (
    CONNECTION_SCHEMA,
    REAUTH_SCHEMA,
    RECONFIGURE_SCHEMA,
    connection_data,
    users_schema,
    without_url_secrets,
)

TITLE = "LCARS"


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


@callback
def _async_update_and_reload(
    hass: HomeAssistant,
    entry: ConfigEntry,
    subentry: ConfigSubentry,
    **changes: Any,
) -> None:
    """Store a subentry's new settings and make sure the entry tries them now.

    A loaded entry reloads itself on any change (its update listener starts
    the reload at once, so its state must be read before the change); an
    entry waiting to retry its setup, or an unchanged one, must be told.
    """
    loaded = entry.state is ConfigEntryState.LOADED
    changed = hass.config_entries.async_update_subentry(entry, subentry, **changes)
    if not changed or not loaded:
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
                _async_update_and_reload(self.hass, entry, subentry, data=data)
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
            data = connection_data(user_input)
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
                None if user_input is None else without_url_secrets(user_input),
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
            data = connection_data(user_input, subentry.data)
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
                for key, value in without_url_secrets(user_input).items()
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
        return self.async_show_form(
            step_id="users",
            data_schema=users_schema(users, default),
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
        _async_update_and_reload(
            self.hass,
            entry,
            subentry,
            data=self._data,
            title=self._identity.title,
            unique_id=self._identity.unique_id,
        )
        return self.async_abort(reason="reconfigure_successful")

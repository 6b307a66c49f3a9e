"""Options of the LCARS entry: polling, cleanup, BitTorrent, adding, requests; one menu entry each.

The forms and the conversions of their values are in schemas.py; the text
of the cleanup rules is read by `cleanup.policy_text`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .cleanup import CleanupPolicy, PolicyError
from .cleanup.policy_text import PolicyTextError, form_values, policy_from_form
from .clients import LcarsClientError
from .clients.models import Profile
from .const import (
    CONF_ADDING,
    CONF_CLEANUP,
    CONF_CLEANUP_POLICY,
    CONF_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL,
    LOGGER,
)
from .coordinator import ArrCoordinator, LidarrCoordinator
from .data import LcarsConfigEntry
from .library.additions import (
    OPT_DEFAULT_FOR_KIND,
    OPT_INSTANCES,
    OPT_ROUTE,
    ROUTE_ARR,
    ROUTE_JELLYSEERR,
    AddSettings,
)
from .permissions import PathNotAllowedError, async_check_path
from .runtime.requests import CONF_REQUEST_AS, request_as
from .runtime.torrent_backends import client_backend
from .schemas import (
    CLEANUP_RULES_SCHEMA,
    CLIENT_DEFAULTS,
    CLIENT_NAMES,
    CONF_ADDING_INSTANCE,
    CONF_CONFIRM,
    CONFIRM_SCHEMA,
    SCAN_INTERVAL_SELECTOR,
    TORRENT_CHOICE_SCHEMA,
    TORRENT_CLIENT_SCHEMA,
    TORRENT_ENGINE_SCHEMA,
    adding_defaults_schema,
    adding_defaults_shown,
    adding_defaults_values,
    adding_schema,
    cleanup_schedule_schema,
    cleanup_schedule_values,
    client_values,
    engine_defaults,
    fraction_errors,
    torrent_values,
)
from .torrent import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    EngineError,
    TorrentEvent,
)
from .torrent.options import (
    BACKEND_LIBTORRENT,
    CONF_BACKEND,
    CONF_DOWNLOAD_DIR,
    CONF_ENABLED,
    CONF_LISTEN_PORT_MAX,
    CONF_LISTEN_PORT_MIN,
    CONF_TORRENT,
    CONF_WATCH_DIR,
    MAX_PORT,
    MIN_PORT,
    TorrentOptions,
)


class LcarsOptionsFlow(OptionsFlow):
    """Polling interval, cleanup and BitTorrent of LCARS, one menu entry each."""

    _pending_input: dict[str, Any]
    _pending_policy: CleanupPolicy
    # Whether BitTorrent runs and with which backend, until the next step saves.
    _torrent_choice: dict[str, Any]
    # The route and the instance chosen, and what that instance offers, until
    # its defaults are saved.
    _adding_route: str
    _adding_instance: ArrCoordinator
    _adding_choices: tuple[list[str], list[Profile], list[Profile]]

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

    @property
    def _torrent(self) -> dict[str, Any]:
        """The current torrent options."""
        return dict(self.config_entry.options.get(CONF_TORRENT) or {})

    @callback
    def _async_save(self, **changes: Any) -> ConfigFlowResult:
        """Store the options with some keys changed and every other key kept."""
        return self.async_create_entry(data=dict(self.config_entry.options) | changes)

    @callback
    def _async_save_cleanup(self, **changes: Any) -> ConfigFlowResult:
        """Store the cleanup options with some keys changed."""
        return self._async_save(**{CONF_CLEANUP: self._cleanup | changes})

    @callback
    def _async_save_torrent(self, values: Mapping[str, Any]) -> ConfigFlowResult:
        """Store the torrent options; those of the other backends are kept."""
        return self._async_save(
            **{CONF_TORRENT: self._torrent | dict(values) | self._torrent_choice}
        )

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose what to change."""
        return self.async_show_menu(
            step_id="init",
            menu_options=[
                "polling",
                "cleanup_rules",
                "cleanup_schedule",
                "torrent",
                "adding",
                "requests",
            ],
        )

    # ----------------------------------------------------------------------- polling

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
            errors = fraction_errors(schema, user_input)
            if not errors:
                return self._async_save(
                    **{CONF_SCAN_INTERVAL: user_input[CONF_SCAN_INTERVAL]}
                )
            # Refused: the form shows what was typed, with the error on it.
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="polling", data_schema=schema, errors=errors
        )

    # ----------------------------------------------------------------------- requests

    async def async_step_requests(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which Jellyseerr user requests are made as.

        The API key acts as Jellyseerr's first user, an administrator whose
        requests are approved at once; another user's own approval rules
        and quota apply to the requests made as that user.
        """
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="jellyseerr_not_connected")
        coordinators = entry.runtime_data.jellyseerr
        if not coordinators:
            return self.async_abort(reason="jellyseerr_not_connected")
        try:
            users = await coordinators[0].client.async_get_users()
        except LcarsClientError as err:
            LOGGER.debug("Cannot read the Jellyseerr users: %s", err)
            return self.async_abort(reason="jellyseerr_unreachable")
        if user_input is not None:
            chosen = int(user_input[CONF_REQUEST_AS])
            adding = dict(entry.options.get(CONF_ADDING) or {})
            # The first user is the API key's own: no user to name then.
            adding[CONF_REQUEST_AS] = None if chosen == 1 else chosen
            return self._async_save(**{CONF_ADDING: adding})
        current = request_as(entry) or 1
        choices = [
            SelectOptionDict(value=str(user.id), label=user.name) for user in users
        ]
        if str(current) not in {choice["value"] for choice in choices}:
            current = 1
        schema = vol.Schema(
            {
                vol.Required(CONF_REQUEST_AS, default=str(current)): SelectSelector(
                    SelectSelectorConfig(
                        options=choices, mode=SelectSelectorMode.DROPDOWN
                    )
                )
            }
        )
        return self.async_show_form(step_id="requests", data_schema=schema)

    # ----------------------------------------------------------------------- cleanup

    async def async_step_cleanup_rules(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the cleanup policy; nothing is stored while it is not valid."""
        if user_input is None:
            return self._async_show_rules(form_values(self._policy))
        try:
            policy = policy_from_form(self._policy, user_input)
        except PolicyTextError as err:
            # A setting the form does not show is reported on the whole form.
            return self._async_show_rules(
                user_input, err.field or "base", err.code, err.detail
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
        detail: str = "",
    ) -> ConfigFlowResult:
        """Show the cleanup rules form with the given values and at most one error."""
        return self.async_show_form(
            step_id="cleanup_rules",
            data_schema=self.add_suggested_values_to_schema(
                CLEANUP_RULES_SCHEMA, values
            ),
            errors={field: code} if field and code else {},
            description_placeholders={"detail": detail},
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
        schema = cleanup_schedule_schema(self._cleanup)
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = fraction_errors(schema, user_input)
            if not errors:
                return self._async_save_cleanup(**cleanup_schedule_values(user_input))
            schema = self.add_suggested_values_to_schema(schema, user_input)
        return self.async_show_form(
            step_id="cleanup_schedule", data_schema=schema, errors=errors
        )

    # ----------------------------------------------------------------------- BitTorrent

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

    async def async_step_torrent_engine(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how the built-in BitTorrent engine runs."""
        errors: dict[str, str] = {}
        current = self._torrent
        if user_input is not None:
            values = torrent_values(user_input)
            errors = fraction_errors(TORRENT_ENGINE_SCHEMA, user_input)
            errors |= await self._async_engine_errors(values, errors)
            if not errors:
                return self._async_save_torrent(values)
            current = values
        return self.async_show_form(
            step_id="torrent_engine",
            data_schema=self.add_suggested_values_to_schema(
                TORRENT_ENGINE_SCHEMA, engine_defaults(self.hass) | current
            ),
            errors=errors,
        )

    async def _async_engine_errors(
        self, values: Mapping[str, Any], found: Mapping[str, str]
    ) -> dict[str, str]:
        """Refuse folders LCARS may not write to and a wrong port range.

        `found` are the errors already found; a port refused there is not
        checked again.
        """
        errors = await self._async_folder_errors(CONF_DOWNLOAD_DIR, values)
        # An empty watch folder is the one inside the download directory.
        if values[CONF_WATCH_DIR]:
            errors |= await self._async_folder_errors(CONF_WATCH_DIR, values)
        low, high = values[CONF_LISTEN_PORT_MIN], values[CONF_LISTEN_PORT_MAX]
        if CONF_LISTEN_PORT_MIN not in found and not (
            MIN_PORT <= low <= high <= MAX_PORT
        ):
            errors[CONF_LISTEN_PORT_MIN] = "invalid_port_range"
        return errors

    async def _async_folder_errors(
        self, field: str, values: Mapping[str, Any]
    ) -> dict[str, str]:
        """Refuse a folder that is not allowed, or is served over HTTP, on its field.

        The engine writes in both folders it is given: downloads, and the
        renamed files of the watch folder.
        """
        try:
            await async_check_path(self.hass, values[field], write=True)
        except PathNotAllowedError as err:
            return {
                field: "download_dir_served"
                if err.served
                else "download_dir_not_allowed"
            }
        return {}

    async def async_step_torrent_client(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask where the external client is; connect once before saving."""
        kind = self._torrent_choice[CONF_BACKEND]
        errors: dict[str, str] = {}
        current = self._torrent
        if user_input is not None:
            values = client_values(user_input, current)
            errors = await self._async_client_errors(values | {CONF_BACKEND: kind})
            if not errors:
                return self._async_save_torrent(values)
            current = values
        # The stored password is never sent back to the browser.
        current = {k: v for k, v in current.items() if k != CONF_PASSWORD}
        return self.async_show_form(
            step_id="torrent_client",
            data_schema=self.add_suggested_values_to_schema(
                TORRENT_CLIENT_SCHEMA, CLIENT_DEFAULTS | current
            ),
            errors=errors,
            description_placeholders={"client": CLIENT_NAMES[kind]},
        )

    async def _async_client_errors(self, options: Mapping[str, Any]) -> dict[str, str]:
        """Connect to the external client once; return the form errors."""
        try:
            backend = client_backend(
                self.hass, TorrentOptions.from_options(options), _ignore_event
            )
            await backend.start()
        except BackendAuthError:
            # Without a username the login itself is missing, else the
            # password is the likely culprit.
            return {
                CONF_PASSWORD if options[CONF_USERNAME] else CONF_USERNAME: (
                    "invalid_auth"
                )
            }
        except (BackendConnectionError, BackendResponseError):
            return {CONF_URL: "cannot_connect"}
        except (EngineError, ValueError):
            # Raised before anything is sent: the address is not usable.
            return {CONF_URL: "invalid_url"}
        await backend.stop()
        return {}

    # ----------------------------------------------------------------------- adding

    @property
    def _adding(self) -> dict[str, Any]:
        """The current adding options."""
        stored = self.config_entry.options.get(CONF_ADDING)
        return dict(stored) if isinstance(stored, Mapping) else {}

    @property
    def _adding_instances(self) -> dict[str, Any]:
        """The stored defaults by subentry id, of the instances that still exist."""
        stored = self._adding.get(OPT_INSTANCES)
        existing = self.config_entry.subentries
        if not isinstance(stored, Mapping):
            return {}
        return {k: v for k, v in stored.items() if k in existing}

    async def async_step_adding(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask how movies and series are added, and which instance to set up."""
        if self.config_entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        entry: LcarsConfigEntry = self.config_entry
        instances = {c.subentry_id: c.subentry.title for c in entry.runtime_data.arr}
        routes = [ROUTE_ARR]
        if entry.runtime_data.jellyseerr:
            routes.append(ROUTE_JELLYSEERR)
        if not instances and len(routes) == 1:
            return self.async_abort(reason="nothing_to_add")
        schema = adding_schema(routes, instances)
        errors: dict[str, str] = {}
        if user_input is not None:
            route = user_input.get(OPT_ROUTE, ROUTE_ARR)
            chosen = user_input.get(CONF_ADDING_INSTANCE)
            if chosen is None:
                # No *arr to set up: the route is all there is.
                return self._async_save_adding(route)
            self._adding_route = route
            self._adding_instance = entry.runtime_data.coordinators[chosen]  # type: ignore[assignment]
            errors = await self._async_read_adding_choices()
            if not errors:
                return await self.async_step_adding_defaults()
        shown = {
            OPT_ROUTE: self._adding.get(OPT_ROUTE, ROUTE_ARR),
            CONF_ADDING_INSTANCE: next(iter(instances), None),
        } | (user_input or {})
        return self.async_show_form(
            step_id="adding",
            data_schema=self.add_suggested_values_to_schema(schema, shown),
            errors=errors,
        )

    async def _async_read_adding_choices(self) -> dict[str, str]:
        """Read what the chosen instance offers now; return the form errors."""
        coordinator = self._adding_instance
        if coordinator.data is None:
            return {CONF_ADDING_INSTANCE: "arr_not_answered"}
        metadata: list[Profile] = []
        try:
            quality = await coordinator.client.async_get_quality_profiles()
            if isinstance(coordinator, LidarrCoordinator):
                metadata = await coordinator.client.async_get_metadata_profiles()
        except LcarsClientError:
            return {CONF_ADDING_INSTANCE: "arr_cannot_connect"}
        folders = [f.path for f in coordinator.data.root_folders if f.accessible]
        if not folders or not quality:
            return {CONF_ADDING_INSTANCE: "arr_nothing_to_choose"}
        self._adding_choices = (folders, quality, metadata)
        return {}

    async def async_step_adding_defaults(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the defaults of the chosen instance, among what it offers."""
        coordinator = self._adding_instance
        service = coordinator.kind
        if user_input is not None:
            return self._async_save_adding(
                self._adding_route,
                coordinator,
                adding_defaults_values(service, user_input),
            )
        current = AddSettings.from_options(
            service, self._adding_instances.get(coordinator.subentry_id)
        )
        return self.async_show_form(
            step_id="adding_defaults",
            data_schema=self.add_suggested_values_to_schema(
                adding_defaults_schema(service, *self._adding_choices),
                adding_defaults_shown(current),
            ),
            description_placeholders={"instance": coordinator.subentry.title},
        )

    @callback
    def _async_save_adding(
        self,
        route: str,
        coordinator: ArrCoordinator | None = None,
        settings: AddSettings | None = None,
    ) -> ConfigFlowResult:
        """Store the route and one instance's defaults; those of removed ones go.

        One instance of a service is the default for its kinds: choosing
        another one takes the mark off the first.
        """
        instances = self._adding_instances
        if coordinator is not None and settings is not None:
            if settings.default_for_kind:
                same_service = {
                    sid
                    for sid, sub in self.config_entry.subentries.items()
                    if sub.subentry_type == coordinator.kind
                }
                instances = {
                    sid: dict(values) | {OPT_DEFAULT_FOR_KIND: False}
                    if sid in same_service and isinstance(values, Mapping)
                    else values
                    for sid, values in instances.items()
                }
            instances[coordinator.subentry_id] = settings.to_options()
        return self._async_save(
            **{CONF_ADDING: self._adding | {OPT_ROUTE: route, OPT_INSTANCES: instances}}
        )


def _ignore_event(_event: TorrentEvent) -> None:
    """Take no notice of events: the form only checks the connection."""

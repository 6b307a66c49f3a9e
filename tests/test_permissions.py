"""Who may do what: only administrators delete or make deletion possible.

Home Assistant lets every signed-in user control every entity and call every
action. These tests call the cleanup's switches and button, the actions, the
websocket and the REST API as administrators, automations, regular users,
read-only users, deactivated administrators, non-admin system users and
unknown users, against the simulated services, and check that a refusal is
translated and changes nothing: not a switch, not the stored cleanup, not a
server.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import copy
from typing import Any
from unittest.mock import patch

import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

from custom_components.lcars.const import (
    CONF_SCAN_INTERVAL,
    DOMAIN,
    EVENT_CLEANUP_FINISHED,
)
from homeassistant.auth.const import GROUP_ID_ADMIN, GROUP_ID_READ_ONLY, GROUP_ID_USER
from homeassistant.auth.models import Credentials
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.setup import async_setup_component
from simulator import Simulator

from .conftest import subentry_data
from .torrent_ha import wait_for

ENTRY_ID = "lcars_entry"
STORE_KEY = f"lcars.{ENTRY_ID}.cleanup"
DRY_RUN = "switch.cleanup_dry_run"
AUTOMATIC = "switch.cleanup_automatic_cleanup"
RUN_NOW = "button.cleanup_run_now"
KEEP_TAG = "lcars-keep"

# Callers Home Assistant lets through and LCARS refuses itself.
REFUSED_BY_LCARS = ("user", "deactivated administrator", "system user")
# Callers Home Assistant already refuses for entities (not for actions).
REFUSED_BY_HOME_ASSISTANT = ("read-only user", "unknown user")
REFUSED = REFUSED_BY_LCARS + REFUSED_BY_HOME_ASSISTANT


@pytest.fixture
async def callers(hass: HomeAssistant, local_auth: Any) -> dict[str, Context]:
    """The context of a call by each kind of caller."""
    admin = await hass.auth.async_get_group(GROUP_ID_ADMIN)
    user = await hass.auth.async_get_group(GROUP_ID_USER)
    read_only = await hass.auth.async_get_group(GROUP_ID_READ_ONLY)
    assert admin is not None
    assert user is not None
    assert read_only is not None

    def context_of(**kwargs: Any) -> Context:
        return Context(user_id=MockUser(**kwargs).add_to_hass(hass).id)

    return {
        "administrator": context_of(name="Admin", groups=[admin]),
        "automation": Context(),
        "user": context_of(name="User", groups=[user]),
        "read-only user": context_of(name="Reader", groups=[read_only]),
        "deactivated administrator": context_of(
            name="Former", groups=[admin], is_active=False
        ),
        "system user": context_of(name="Service", groups=[user], system_generated=True),
        "unknown user": Context(user_id="0123456789abcdef0123456789abcdef"),
    }


@pytest.fixture
async def entry(
    hass: HomeAssistant, simulator: Simulator
) -> AsyncGenerator[MockConfigEntry]:
    """LCARS with every simulated service, its switches and its button.

    The services are read once: no refresh falls within a test, so every
    request the simulator records afterwards is one a call made.
    """
    config_entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={CONF_SCAN_INTERVAL: 3600},
        entry_id=ENTRY_ID,
        subentries_data=[subentry_data(simulator, name) for name in simulator.services],
    )
    config_entry.add_to_hass(hass)
    with patch("custom_components.lcars.PLATFORMS", [Platform.BUTTON, Platform.SWITCH]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        yield config_entry


def _requests(simulator: Simulator) -> dict[str, list[tuple[str, str]]]:
    return {name: simulator.requests(name) for name in simulator.services}


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def _entity_call(
    hass: HomeAssistant, domain: str, service: str, entity_id: str, context: Context
) -> None:
    await hass.services.async_call(
        domain, service, {ATTR_ENTITY_ID: entity_id}, blocking=True, context=context
    )
    await hass.async_block_till_done()


def _assert_refused_by_lcars(err: Exception) -> None:
    """A refusal of LCARS: unauthorized, and a translated validation error."""
    assert isinstance(err, Unauthorized)
    assert isinstance(err, ServiceValidationError)
    assert err.translation_domain == DOMAIN
    assert err.translation_key == "admin_required"
    assert "administrator" in str(err)


# --------------------------------------------------------------------------- entities


@pytest.mark.parametrize("caller", REFUSED)
async def test_entities_that_allow_deletion_refuse_other_users(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_storage: dict[str, Any],
    caller: str,
) -> None:
    """Dry run off, automatic cleanup on, run now: refused, and nothing changes."""
    manager = entry.runtime_data.cleanup
    # Automatic cleanup off, by an automation, so that turning it on changes it.
    await _entity_call(hass, "switch", "turn_off", AUTOMATIC, callers["automation"])
    assert manager.automatic is False
    store = copy.deepcopy(hass_storage[STORE_KEY])
    requests = _requests(simulator)
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    for domain, service, entity_id in (
        ("switch", "turn_off", DRY_RUN),
        ("switch", "toggle", DRY_RUN),
        ("switch", "turn_on", AUTOMATIC),
        ("switch", "toggle", AUTOMATIC),
        ("button", "press", RUN_NOW),
    ):
        with pytest.raises(Unauthorized) as err:
            await _entity_call(hass, domain, service, entity_id, callers[caller])
        if caller in REFUSED_BY_LCARS:
            _assert_refused_by_lcars(err.value)

    assert _state(hass, DRY_RUN) == STATE_ON
    assert _state(hass, AUTOMATIC) == STATE_OFF
    assert manager.dry_run is True
    assert manager.automatic is False
    assert manager.next_run is None
    assert manager.last_run is None
    assert finished == []
    assert hass_storage[STORE_KEY] == store
    assert _requests(simulator) == requests


async def test_every_user_may_make_deletion_less_possible(
    hass: HomeAssistant, entry: MockConfigEntry, callers: dict[str, Context]
) -> None:
    """A user turns dry run on and automatic cleanup off."""
    manager = entry.runtime_data.cleanup
    await _entity_call(hass, "switch", "turn_off", DRY_RUN, callers["administrator"])
    assert manager.dry_run is False

    await _entity_call(hass, "switch", "turn_on", DRY_RUN, callers["user"])
    assert manager.dry_run is True
    assert _state(hass, DRY_RUN) == STATE_ON
    await _entity_call(hass, "switch", "turn_off", AUTOMATIC, callers["user"])
    assert manager.automatic is False
    assert _state(hass, AUTOMATIC) == STATE_OFF


@pytest.mark.parametrize("caller", ["administrator", "automation"])
async def test_administrators_and_automations_use_every_entity(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """Dry run off, automatic cleanup on again, run now: all done."""
    manager = entry.runtime_data.cleanup
    context = callers[caller]
    await _entity_call(hass, "switch", "turn_off", AUTOMATIC, context)
    await _entity_call(hass, "switch", "turn_on", AUTOMATIC, context)
    assert manager.automatic is True
    assert manager.next_run is not None
    # Back on before the run: these tests delete nothing.
    await _entity_call(hass, "switch", "turn_off", DRY_RUN, context)
    assert manager.dry_run is False
    assert _state(hass, DRY_RUN) == STATE_OFF
    await _entity_call(hass, "switch", "turn_on", DRY_RUN, context)
    await _entity_call(hass, "button", "press", RUN_NOW, context)
    assert manager.last_run is not None
    assert manager.last_run.trigger == "button"
    assert manager.last_run.dry_run is True


async def test_an_automation_runs_whoever_triggers_it(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    callers: dict[str, Context],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A user's switch starts an administrator's automation, which runs the cleanup.

    A script the user starts runs with the user's rights, and is refused.
    """
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"go": {}}}
    )
    action = {
        "action": f"{DOMAIN}.run_cleanup",
        "data": {"config_entry_id": ENTRY_ID, "dry_run": True},
    }
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "trigger": {"platform": "state", "entity_id": "input_boolean.go"},
                "action": [action],
            }
        },
    )
    assert await async_setup_component(
        hass, "script", {"script": {"clean": {"sequence": [action]}}}
    )
    manager = entry.runtime_data.cleanup
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    await _entity_call(hass, "script", "turn_on", "script.clean", callers["user"])
    assert manager.last_run is None
    assert "Only a Home Assistant administrator" in caplog.text

    await _entity_call(
        hass, "input_boolean", "turn_on", "input_boolean.go", callers["user"]
    )
    await wait_for(lambda: manager.last_run is not None)
    assert manager.last_run is not None
    assert manager.last_run.trigger == "action"
    assert [event.data["dry_run"] for event in finished] == [True]


# --------------------------------------------------------------------------- actions


def _protected_movie(simulator: Simulator) -> int:
    """Tag a movie of the simulated Radarr with lcars-keep; return its id."""
    radarr = simulator.state.services["radarr"]
    tag = next((t for t in radarr.tags if t.label == KEEP_TAG), None)
    if tag is None:
        tag = radarr.add_tag(KEEP_TAG)
    movie = next(m for m in radarr.movies.values() if m.file is not None)
    movie.tags = [*movie.tags, tag.id]
    radarr.touch()
    return int(movie.id)


@pytest.mark.parametrize("caller", REFUSED)
async def test_deleting_actions_refuse_other_users(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_storage: dict[str, Any],
    caller: str,
) -> None:
    """run_cleanup, delete_media and unprotect: refused before any request."""
    movie_id = _protected_movie(simulator)
    await entry.runtime_data.coordinators["sub_radarr"].async_refresh()
    manager = entry.runtime_data.cleanup
    dump = simulator.dump()
    requests = _requests(simulator)
    store = copy.deepcopy(hass_storage.get(STORE_KEY))
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)

    for action, data in (
        ("run_cleanup", {}),
        ("run_cleanup", {"dry_run": True}),
        ("run_cleanup", {"dry_run": False}),
        ("delete_media", {"service": "radarr", "id": movie_id, "dry_run": False}),
        ("delete_media", {"service": "radarr", "id": movie_id, "dry_run": True}),
        ("unprotect", {"service": "radarr", "id": movie_id}),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                action,
                {"config_entry_id": ENTRY_ID, **data},
                blocking=True,
                return_response=True,
                context=callers[caller],
            )
        _assert_refused_by_lcars(err.value)

    await hass.async_block_till_done()
    assert manager.last_run is None
    assert finished == []
    assert hass_storage.get(STORE_KEY) == store
    assert simulator.dump() == dump
    assert _requests(simulator) == requests


@pytest.mark.parametrize("caller", ["user", "read-only user"])
async def test_every_user_may_protect(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    caller: str,
) -> None:
    """Protecting only keeps things: open to every user, as the read actions are."""
    radarr = simulator.state.services["radarr"]
    movie = next(m for m in radarr.movies.values() if not m.tags)
    answer = await hass.services.async_call(
        DOMAIN,
        "protect",
        {"config_entry_id": ENTRY_ID, "service": "radarr", "id": movie.id},
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert answer is not None
    assert answer["protected"] is True
    labels = {tag.id: tag.label for tag in radarr.tags}
    assert KEEP_TAG in {labels[tag] for tag in radarr.movies[movie.id].tags}

    answer = await hass.services.async_call(
        DOMAIN,
        "get_disk_space",
        {"config_entry_id": ENTRY_ID},
        blocking=True,
        return_response=True,
        context=callers[caller],
    )
    assert answer is not None
    assert answer["root_folders"]


async def test_administrators_unprotect(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
) -> None:
    """An administrator takes the keep tag off."""
    movie_id = _protected_movie(simulator)
    await entry.runtime_data.coordinators["sub_radarr"].async_refresh()
    answer = await hass.services.async_call(
        DOMAIN,
        "unprotect",
        {"config_entry_id": ENTRY_ID, "service": "radarr", "id": movie_id},
        blocking=True,
        return_response=True,
        context=callers["administrator"],
    )
    assert answer is not None
    assert answer["protected"] is False
    radarr = simulator.state.services["radarr"]
    labels = {tag.id: tag.label for tag in radarr.tags}
    assert KEEP_TAG not in {labels[tag] for tag in radarr.movies[movie_id].tags}


# --------------------------------------------------------------------------- APIs


async def _token_of(hass: HomeAssistant, context: Context) -> str:
    """An access token of the user of a context, as the frontend holds."""
    assert context.user_id is not None
    user = await hass.auth.async_get_user(context.user_id)
    assert user is not None
    credential = Credentials(
        id=f"credential-{user.id}",
        auth_provider_type="homeassistant",
        auth_provider_id=None,
        data={"username": user.name},
        is_new=False,
    )
    user.credentials.append(credential)
    refresh_token = await hass.auth.async_create_refresh_token(
        user, CLIENT_ID, credential=credential
    )
    return hass.auth.async_create_access_token(refresh_token)


async def test_websocket_and_rest_answers(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    simulator: Simulator,
    callers: dict[str, Context],
    hass_ws_client: WebSocketGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    """The frontend gets a translated refusal; the REST API answers 401."""
    token = await _token_of(hass, callers["user"])
    requests = _requests(simulator)
    assert await async_setup_component(hass, "api", {})
    client = await hass_ws_client(hass, token)
    for request in (
        {"domain": "switch", "service": "turn_off", "target": {"entity_id": DRY_RUN}},
        {"domain": "button", "service": "press", "target": {"entity_id": RUN_NOW}},
        {
            "domain": DOMAIN,
            "service": "run_cleanup",
            "service_data": {"config_entry_id": ENTRY_ID},
            "return_response": True,
        },
    ):
        await client.send_json_auto_id({"type": "call_service", **request})
        answer = await client.receive_json()
        assert answer["success"] is False, request
        error = answer["error"]
        assert error["code"] == "service_validation_error", error
        assert error["translation_domain"] == DOMAIN
        assert error["translation_key"] == "admin_required"
        assert "administrator" in error["message"]

    http = await hass_client(token)
    response = await http.post(
        f"/api/services/{DOMAIN}/run_cleanup", json={"config_entry_id": ENTRY_ID}
    )
    assert response.status == 401
    assert _state(hass, DRY_RUN) == STATE_ON
    assert entry.runtime_data.cleanup.last_run is None
    assert _requests(simulator) == requests

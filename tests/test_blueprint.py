"""Tests of the "cleanup on low disk space" automation blueprint.

The blueprint is loaded from the repository as Home Assistant loads an
imported one, and runs against LCARS set up with the simulated services.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
import voluptuous as vol

from custom_components.lcars.cleanup.reasons import size_text
from custom_components.lcars.const import (
    DOMAIN,
    EVENT_CLEANUP_FINISHED,
    EVENT_MEDIA_DELETED,
)
from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    async_validate_config_item,
)
from homeassistant.components.blueprint import (
    Blueprint,
    BlueprintInputs,
    MissingInput,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, selector
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util, yaml as yaml_util

from .conftest import fill_movies_disk

BLUEPRINT_SOURCE = (
    Path(__file__).parent.parent
    / "blueprints"
    / "automation"
    / "lcars"
    / "cleanup_on_low_disk.yaml"
)
# Where the blueprint sits once imported: relative to blueprints/automation.
BLUEPRINT_PATH = "lcars/cleanup_on_low_disk.yaml"

DRY_RUN = "switch.cleanup_dry_run"
AUTOMATIC = "switch.cleanup_automatic_cleanup"
AUTOMATION = "automation.cleanup_on_low_disk"
TEST_NOTIFICATION = "lcars_blueprint_test_notification"

THRESHOLD = 10
# Above the threshold, then under the 5% step of the default policy: movies
# older than 15 days expire and go on leaving soon for 14 days.
PLENTY_PERCENT = 50
LOW_PERCENT = 3
GRACE = timedelta(days=14)
LISTED = 10


@pytest.fixture
def platforms() -> list[Platform]:
    """The blueprint reads a root folder sensor and the dry run switch."""
    return [Platform.SENSOR, Platform.SWITCH]


@pytest.fixture
def blueprint_config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration folder holding the blueprint, as after an import."""
    folder = tmp_path / "blueprints" / "automation" / "lcars"
    folder.mkdir(parents=True)
    shutil.copy(BLUEPRINT_SOURCE, folder / BLUEPRINT_SOURCE.name)
    hass.config.config_dir = str(tmp_path)
    return tmp_path


def _free_percent_sensor(
    entity_registry: er.EntityRegistry, simulator: Any, path: str = "/movies"
) -> str:
    """Return the free space percentage sensor of a Radarr root folder."""
    folder = next(
        f
        for f in simulator.state.services["radarr"].root_folders
        if f.path.rstrip("/") == path
    )
    entity_id = entity_registry.async_get_entity_id(
        "sensor", DOMAIN, f"sub_radarr_root_folder_{folder.id}_free_percent"
    )
    assert entity_id is not None
    return entity_id


async def _refresh_radarr(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Let Radarr's coordinator, and so the sensors, see the service's state."""
    coordinator = entry.runtime_data.coordinators["sub_radarr"]
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    await hass.async_block_till_done()


async def _set_movies_free(
    hass: HomeAssistant, simulator: Any, entry: MockConfigEntry, percent: float
) -> None:
    """Set the free space of Radarr's /movies and let the coordinator see it."""
    fill_movies_disk(simulator, percent)
    coordinator = entry.runtime_data.coordinators["sub_radarr"]
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    await hass.async_block_till_done()


async def _refresh_all(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Fresh data from every service: the cleanup refuses stale data."""
    for coordinator in entry.runtime_data.coordinators.values():
        await coordinator.async_refresh()
        assert coordinator.last_update_success
    await hass.async_block_till_done()


async def _switch(hass: HomeAssistant, entity_id: str, on: bool) -> None:
    await hass.services.async_call(
        "switch",
        "turn_on" if on else "turn_off",
        {ATTR_ENTITY_ID: entity_id},
        blocking=True,
    )
    await hass.async_block_till_done()


async def _preview(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "preview_cleanup",
        {"config_entry_id": entry_id, "max_items": LISTED},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


def _inputs(entry: MockConfigEntry, sensor: str, **overrides: Any) -> dict[str, Any]:
    return {
        "config_entry": entry.entry_id,
        "free_space_sensor": sensor,
        "dry_run_switch": DRY_RUN,
        **overrides,
    }


async def _setup_automation(hass: HomeAssistant, inputs: dict[str, Any]) -> None:
    """Set up an automation made from the blueprint, as the UI writes it."""
    assert await async_setup_component(hass, "persistent_notification", {})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "cleanup_on_low_disk",
                "alias": "Cleanup on low disk",
                "use_blueprint": {"path": BLUEPRINT_PATH, "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get(AUTOMATION)
    assert state is not None
    assert state.state == STATE_ON


async def _notifications(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> list[dict[str, Any]]:
    """The persistent notifications, as the frontend reads them."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "persistent_notification/get"})
    response = await client.receive_json()
    assert response["success"]
    notifications: list[dict[str, Any]] = response["result"]
    return notifications


def _size(size: int) -> str:
    """A size as the blueprint writes it: as LCARS writes sizes everywhere."""
    return size_text(size)


def _leaving_line(title: str, size: int, delete_on: str) -> str:
    """The line of an item on leaving soon in the blueprint's message."""
    day = dt_util.as_local(dt_util.parse_datetime(delete_on)).date().isoformat()
    return f"- {title} ({_size(size)}), leaves on {day}"


def _lines(message: str) -> list[str]:
    return message.splitlines()


async def test_blueprint_is_valid(
    hass: HomeAssistant, blueprint_config_dir: Path
) -> None:
    """The blueprint passes Home Assistant's checks and declares its inputs."""
    data = await hass.async_add_executor_job(yaml_util.load_yaml_dict, BLUEPRINT_SOURCE)
    blueprint = Blueprint(
        data,
        path=BLUEPRINT_PATH,
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )
    assert blueprint.validate() is None
    assert blueprint.metadata["homeassistant"]["min_version"] == "2025.4.0"
    inputs = blueprint.inputs
    assert set(inputs) == {
        "config_entry",
        "free_space_sensor",
        "threshold",
        "dry_run_switch",
        "notify",
    }

    def selector_of(name: str) -> selector.Selector[Any]:
        return selector.selector(inputs[name]["selector"])

    config_entry = selector_of("config_entry")
    assert isinstance(config_entry, selector.ConfigEntrySelector)
    assert config_entry.config["integration"] == DOMAIN
    for name, domain in (("free_space_sensor", "sensor"), ("dry_run_switch", "switch")):
        entity = selector_of(name)
        assert isinstance(entity, selector.EntitySelector)
        assert entity.config["filter"] == [{"integration": DOMAIN, "domain": [domain]}]
    threshold = selector_of("threshold")
    assert isinstance(threshold, selector.NumberSelector)
    assert inputs["threshold"]["default"] == THRESHOLD
    assert threshold(THRESHOLD) == THRESHOLD
    with pytest.raises(vol.Invalid):
        threshold(100)
    notify = selector_of("notify")
    assert isinstance(notify, selector.ActionSelector)
    assert inputs["notify"]["default"][0]["action"] == "persistent_notification.create"
    assert not {"config_entry", "free_space_sensor", "dry_run_switch"} & {
        name for name, spec in inputs.items() if "default" in spec
    }

    # The optional inputs fall back to their defaults; the others are required.
    config = {
        "use_blueprint": {
            "path": BLUEPRINT_PATH,
            "input": _inputs(MockConfigEntry(domain=DOMAIN), "sensor.free"),
        }
    }
    instance = BlueprintInputs(blueprint, config)
    instance.validate()
    assert instance.inputs_with_default["threshold"] == THRESHOLD
    substituted = instance.async_substitute()
    assert substituted["triggers"][0]["below"] == THRESHOLD
    assert substituted["triggers"][0]["entity_id"] == "sensor.free"
    assert substituted["mode"] == "single"
    with pytest.raises(MissingInput):
        BlueprintInputs(
            blueprint,
            {"use_blueprint": {"path": BLUEPRINT_PATH, "input": {"threshold": 5}}},
        ).validate()

    # The automation made from it, loaded from the configuration folder.
    validated = await async_validate_config_item(hass, "cleanup_on_low_disk", config)
    assert validated is not None
    assert validated.validation_status == "ok", validated.validation_error
    actions = validated["actions"]
    assert actions[0]["action"] == "lcars.preview_cleanup"
    assert actions[0]["response_variable"] == "preview"
    assert actions[2]["sequence"][0]["action"] == "persistent_notification.create"
    assert actions[3]["then"][0]["action"] == "lcars.run_cleanup"


async def test_dry_run_on_notifies_and_deletes_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    entity_registry: er.EntityRegistry,
    blueprint_config_dir: Path,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Low free space sends the preview; with dry run on nothing runs."""
    manager = init_integration.runtime_data.cleanup
    await manager.async_set_automatic(False)
    assert hass.states.get(DRY_RUN).state == STATE_ON
    sensor = _free_percent_sensor(entity_registry, simulator)
    await _set_movies_free(hass, simulator, init_integration, PLENTY_PERCENT)
    assert float(hass.states.get(sensor).state) > THRESHOLD
    await _setup_automation(hass, _inputs(init_integration, sensor))
    triggered = async_capture_events(hass, "automation_triggered")
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)
    fill_movies_disk(simulator, LOW_PERCENT)
    before = simulator.dump()

    await _refresh_radarr(hass, init_integration)

    assert float(hass.states.get(sensor).state) < THRESHOLD
    assert len(triggered) == 1
    assert triggered[0].data["entity_id"] == AUTOMATION
    notifications = await _notifications(hass, hass_ws_client)
    assert len(notifications) == 1
    notification = notifications[0]
    name = hass.states.get(sensor).name
    assert notification["title"] == f"Low disk space: {name}"

    # The message tells the preview the automation got: nothing changed since.
    preview = await _preview(hass, init_integration.entry_id)
    totals = preview["totals"]
    assert totals["leaving_soon_count"] > 0
    assert totals["delete_count"] == 0
    lines = _lines(notification["message"])
    # The sensor's figure, rounded down to one decimal as everywhere in LCARS.
    shown = hass.states.get(sensor).state
    assert float(shown) == pytest.approx(LOW_PERCENT, abs=0.11)
    assert lines[0] == f"{name} is at {shown}% (below {THRESHOLD}%)."
    assert f"Would be deleted now: 0 ({_size(0)})." in lines
    start = lines.index(
        f"Leaving soon: {totals['leaving_soon_count']}"
        f" ({_size(totals['leaving_soon_bytes'])})."
    )
    listed = preview["leaving_soon"]
    assert 0 < len(listed) <= LISTED
    expected = [
        _leaving_line(item["title"], item["size"], item["delete_on"]) for item in listed
    ]
    assert lines[start + 1 : start + 1 + len(listed)] == expected
    more = totals["leaving_soon_count"] - len(listed)
    if more:
        assert lines[start + 1 + len(listed)] == f"- and {more} more"
    assert lines[-1] == "The dry run switch is on: nothing is deleted."

    # Nothing ran: no run finished, nothing was written to any service.
    assert finished == []
    assert manager.last_run is None
    assert manager.leaving_soon == ()
    assert simulator.dump() == before


async def test_dry_run_off_runs_the_cleanup(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    simulator: Any,
    entity_registry: er.EntityRegistry,
    blueprint_config_dir: Path,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With dry run off the cleanup runs and its result is sent, by the user's action."""
    manager = init_integration.runtime_data.cleanup
    await manager.async_set_automatic(False)
    await _switch(hass, DRY_RUN, on=False)
    assert hass.states.get(DRY_RUN).state == STATE_OFF
    sensor = _free_percent_sensor(entity_registry, simulator)
    await _set_movies_free(hass, simulator, init_integration, PLENTY_PERCENT)
    sent = async_capture_events(hass, TEST_NOTIFICATION)
    # The user's own action reads the message and title variables.
    notify = [
        {
            "event": TEST_NOTIFICATION,
            "event_data": {"title": "{{ title }}", "message": "{{ message }}"},
        }
    ]
    await _setup_automation(
        hass, _inputs(init_integration, sensor, threshold=THRESHOLD, notify=notify)
    )
    finished = async_capture_events(hass, EVENT_CLEANUP_FINISHED)
    deleted_events = async_capture_events(hass, EVENT_MEDIA_DELETED)
    movies_before = set(simulator.state.services["radarr"].movies)

    # The first run puts the expired movies on leaving soon.
    await _set_movies_free(hass, simulator, init_integration, LOW_PERCENT)

    assert [e.data["trigger"] for e in finished] == ["action"]
    assert finished[0].data["dry_run"] is False
    assert finished[0].data["deleted"] == 0
    summary = manager.last_run
    assert summary is not None
    assert summary.trigger == "action"
    leaving = manager.leaving_soon
    assert leaving
    assert summary.leaving_soon_count == len(leaving)
    assert set(simulator.state.services["radarr"].movies) == movies_before

    assert len(sent) == 2
    preview_lines = _lines(sent[0].data["message"])
    start = preview_lines.index(
        f"Leaving soon: {len(leaving)} ({_size(sum(i.size for i in leaving))})."
    )
    # Items leaving on the same day may come in another order.
    shown = preview_lines[start + 1 : start + 1 + min(len(leaving), LISTED)]
    assert len(set(shown)) == len(shown)
    assert set(shown) <= {
        _leaving_line(item.title, item.size, item.delete_on.isoformat())
        for item in leaving
    }
    assert preview_lines[-1] == "The dry run switch is off: the cleanup runs now."
    assert sent[1].data["title"] == f"Cleanup finished: {summary.result}"
    assert _lines(sent[1].data["message"]) == [
        f"Deleted 0, freed {_size(0)}.",
        "",
        f"Leaving soon: {len(leaving)}.",
    ]

    # After the grace period the disk fills again: the next run deletes.
    freezer.tick(GRACE + timedelta(hours=1))
    await _set_movies_free(hass, simulator, init_integration, PLENTY_PERCENT)
    await _refresh_all(hass, init_integration)
    await _set_movies_free(hass, simulator, init_integration, LOW_PERCENT)

    assert [e.data["trigger"] for e in finished] == ["action", "action"]
    summary = manager.last_run
    assert summary is not None
    assert summary.result == "ok"
    assert summary.deleted
    assert len(deleted_events) == len(summary.deleted)
    movies = simulator.state.services["radarr"].movies
    for item in summary.deleted:
        movie = movies.get(int(item.key.rsplit("/", 1)[1]))
        assert movie is None or movie.file is None

    assert len(sent) == 4
    preview_lines = _lines(sent[2].data["message"])
    start = preview_lines.index(
        f"Would be deleted now: {len(summary.deleted)}"
        f" ({_size(sum(i.size for i in summary.deleted))})."
    )
    shown_deleted = summary.deleted[:LISTED]
    assert preview_lines[start + 1 : start + 1 + len(shown_deleted)] == [
        f"- {item.title} ({_size(item.size)})" for item in shown_deleted
    ]
    assert sent[3].data["title"] == "Cleanup finished: ok"
    run_lines = _lines(sent[3].data["message"])
    assert run_lines[0] == (
        f"Deleted {len(summary.deleted)}, freed {_size(summary.bytes_freed)}."
    )
    more = len(summary.deleted) - len(shown_deleted)
    assert run_lines[1:] == [
        *(f"- {item.title} ({_size(item.size)})" for item in shown_deleted),
        *([f"- and {more} more"] if more else []),
        "",
        f"Leaving soon: {summary.leaving_soon_count}.",
    ]

"""Every field of every LCARS action refuses bad values with a translated error.

Huge numbers, infinities, over-long texts and paths, empty texts and wrong
types go through Home Assistant's action call, with the simulated services
and a real BitTorrent engine behind it; each must end in a translated
`ServiceValidationError`, never a voluptuous, overflow or OS error, and
nothing may change.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.lcars.const import CONF_SCAN_INTERVAL, DOMAIN
from custom_components.lcars.torrent.options import CONF_TORRENT
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from simulator import Simulator

from .conftest import subentry_data
from .test_torrent_ha import manager_of, torrent_options
from .torrent.conftest import lt

pytestmark = pytest.mark.skipif(lt is None, reason="libtorrent is not installed")

SERVICES_YAML = (
    Path(__file__).parent.parent / "custom_components" / "lcars" / "services.yaml"
)
STORE_KEY = "lcars.lcars_entry.cleanup"
MAGNET = "magnet:?xt=urn:btih:" + "a" * 40

# Values no field takes. Booleans are left out for the boolean fields.
BAD_VALUES: dict[str, Any] = {
    "10**400": 10**400,
    "-10**400": -(10**400),
    "10**400 as text": "1" + "0" * 400,
    "1e400": 1e400,
    "-inf": -math.inf,
    "nan": math.nan,
    "5000 characters": "x" * 5000,
    "path of 5000 characters": "/" + "a" * 4999,
    "empty": "",
    "whitespace": " \t ",
    "NUL": "a\0b",
    "line break": "a\nb",
    "list": [1, 2],
    "object": {"a": 1},
    "null": None,
    "true": True,
    "false": False,
}
# What the number fields refuse besides: out of their range.
BAD_NUMBERS: dict[str, Any] = {
    "-1": -1,
    "1.5": 1.5,
    "2**31": 2**31,
    "twelve": "twelve",
}
BOOLEAN_FIELDS = {"dry_run", "paused", "delete_files"}
NUMBER_FIELDS = {"limit", "offset", "max_items", "id", "season_number", "album_id"}

# A call of each action that passes its schema; one field at a time is spoiled.
BASE: dict[str, dict[str, Any]] = {
    "get_library": {},
    "get_queue": {},
    "get_disk_space": {},
    "preview_cleanup": {},
    "run_cleanup": {"dry_run": True},
    "protect": {"service": "radarr", "id": 1},
    "unprotect": {"service": "radarr", "id": 1},
    "delete_media": {"service": "radarr", "id": 1, "dry_run": True},
    "add_torrent": {"magnet": MAGNET},
    "pause_torrent": {"info_hash": "a" * 40},
    "resume_torrent": {"info_hash": "a" * 40},
    "remove_torrent": {"info_hash": "a" * 40},
    "get_torrents": {},
    "lookup_media": {"kind": "movie", "term": "Dune"},
    "add_media": {"kind": "movie", "term": "Dune"},
    "get_requests": {},
    # A movie with seasons is refused before Jellyseerr is asked, so a season
    # list that would be right for a series sends nothing either.
    "request_media": {"kind": "movie", "term": "Dune"},
    "approve_request": {"id": 1},
    "decline_request": {"id": 1},
}
RETURNS = {"get_library", "get_queue", "get_disk_space", "preview_cleanup"} | {
    "get_torrents",
    "get_requests",
    "run_cleanup",
    "protect",
    "unprotect",
    "delete_media",
    "add_torrent",
    "lookup_media",
    "add_media",
}


def _fields() -> dict[str, list[str]]:
    """Every field of every action, as services.yaml describes them."""
    described = yaml.safe_load(SERVICES_YAML.read_text())
    return {action: list(spec["fields"]) for action, spec in described.items()}


def _bad_values(field: str) -> dict[str, Any]:
    values = dict(BAD_VALUES)
    if field in BOOLEAN_FIELDS:
        del values["true"], values["false"]
    if field in NUMBER_FIELDS:
        values |= BAD_NUMBERS
    return values


def _spoiled(action: str, field: str) -> list[tuple[str, dict[str, Any]]]:
    """The calls of an action with one field spoiled, each with a name."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for name, value in _bad_values(field).items():
        data = {"config_entry_id": "lcars_entry", **BASE[action], field: value}
        calls.append((f"{action}.{field}={name}", data))
    if field == "link":
        link = {"service": "radarr", "id": 1, "instance": "Radarr"}
        for part in link:
            for name, value in _bad_values(f"link.{part}").items():
                spoiled = {**link, part: value}
                data = {"config_entry_id": "lcars_entry", **BASE[action]}
                calls.append((f"{action}.link.{part}={name}", data | {field: spoiled}))
        for name, value in (
            ("without id", {"service": "radarr"}),
            ("unknown key", {**link, "extra": 1}),
        ):
            data = {"config_entry_id": "lcars_entry", **BASE[action], field: value}
            calls.append((f"{action}.link {name}", data))
    return calls


@pytest.fixture
async def everything(
    hass: HomeAssistant, simulator: Simulator, media: Path
) -> MockConfigEntry:
    """LCARS with every simulated service and the BitTorrent engine running.

    The services are read once: no refresh falls within the test.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="LCARS",
        data={},
        options={
            CONF_SCAN_INTERVAL: 3600,
            CONF_TORRENT: torrent_options(media / "downloads"),
        },
        entry_id="lcars_entry",
        subentries_data=[subentry_data(simulator, name) for name in simulator.services],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert manager_of(entry).running
    return entry


def _requests(simulator: Simulator) -> dict[str, list[tuple[str, str]]]:
    return {name: simulator.requests(name) for name in simulator.services}


async def test_every_field_refuses_bad_values(
    hass: HomeAssistant,
    everything: MockConfigEntry,
    simulator: Simulator,
    hass_storage: dict[str, Any],
) -> None:
    """Each bad value of each field ends in a translated error; nothing changes."""
    fields = _fields()
    assert set(fields) == set(BASE), "an action without a base call"
    registered = hass.services.async_services_for_domain(DOMAIN)
    assert set(registered) == set(BASE)
    for action, data in BASE.items():
        # The base call passes the schema: a refusal is the spoiled field's.
        schema = registered[action].schema
        assert schema is not None
        schema({"config_entry_id": "lcars_entry", **data})

    events: list[str] = []

    @callback
    def record(event: Event) -> None:
        if event.event_type.startswith(DOMAIN):
            events.append(event.event_type)

    hass.bus.async_listen("*", record)
    dump = simulator.dump()
    requests = _requests(simulator)
    store = copy.deepcopy(hass_storage.get(STORE_KEY))
    manager = everything.runtime_data.cleanup
    dry_run = manager.dry_run

    wrong: list[str] = []
    count = 0
    for action, names in fields.items():
        for field in names:
            for name, data in _spoiled(action, field):
                count += 1
                try:
                    await hass.services.async_call(
                        DOMAIN,
                        action,
                        data,
                        blocking=True,
                        return_response=action in RETURNS,
                    )
                except ServiceValidationError as err:
                    message = str(err)
                    if (
                        err.translation_domain != DOMAIN
                        or not err.translation_key
                        or message == err.translation_key
                        or "{" in message
                        or len(message) > 400
                    ):
                        wrong.append(f"{name}: untranslated {message!r}")
                except Exception as err:  # noqa: BLE001 - every other error is wrong
                    wrong.append(f"{name}: {type(err).__name__}: {str(err)[:100]}")
                else:
                    wrong.append(f"{name}: accepted")
    assert count > 500
    assert not wrong, "\n".join(wrong)

    await hass.async_block_till_done()
    assert simulator.dump() == dump
    assert _requests(simulator) == requests
    assert hass_storage.get(STORE_KEY) == store
    assert manager.last_run is None
    assert manager.dry_run is dry_run
    assert manager_of(everything).statuses == {}
    assert events == []


async def test_required_fields(
    hass: HomeAssistant, everything: MockConfigEntry
) -> None:
    """A call that leaves out a required field is told which one, translated."""
    described = yaml.safe_load(SERVICES_YAML.read_text())
    checked = 0
    for action, spec in described.items():
        for field, details in spec["fields"].items():
            if not details.get("required"):
                continue
            data = {"config_entry_id": "lcars_entry", **BASE[action]}
            del data[field]
            with pytest.raises(ServiceValidationError) as err:
                await hass.services.async_call(
                    DOMAIN,
                    action,
                    data,
                    blocking=True,
                    return_response=action in RETURNS,
                )
            assert err.value.translation_key == "field_required", (action, field)
            assert field in str(err.value)
            checked += 1
    assert checked == 36

"""Prepare and check the local demo of LCARS started by ./scripts/develop.

Everything goes through Home Assistant's HTTP and WebSocket APIs, the way the
web interface does it:

    bootstrap  finish onboarding (or log in), add the LCARS entry and one
               service per simulated service, with its URL and API key
    demo       turn BitTorrent on in the LCARS options (loopback only, the
               download folder inside .develop/) and write the script
               script.add_demo_torrent, which adds the demo seeder's torrent
    check      wait until the entities of every simulated service have a state
               and print them, ask Assist a question (through its pipeline, as
               the Assist button does, and the conversation API); with
               --seeder, also add the demo torrent and wait until it downloads
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import json
from pathlib import Path
import sys
import time
from typing import Any

import aiohttp

DOMAIN = "lcars"
NAME = "Demo"
USERNAME = "demo"
PASSWORD = "demo-lcars"
LANGUAGE = "en"
UNAVAILABLE = ("unavailable", "unknown")
# Onboarding adds these; they need the internet, which the demo does not have.
ONBOARDING_EXTRAS = ("google_translate", "met", "radio_browser")


class BootstrapError(Exception):
    """Home Assistant did not answer as expected."""


@dataclass(frozen=True)
class Service:
    """One simulated service, as printed by `python -m simulator`."""

    name: str
    kind: str
    url: str
    api_key: str


def load_services(path: Path) -> list[Service]:
    """Read the services from the simulator's ready line."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line.startswith("{"):
            continue
        services = json.loads(line)["services"]
        return [
            Service(name, info["kind"], info["url"], info["api_key"])
            for name, info in services.items()
        ]
    raise BootstrapError(f"no services found in {path}")


class HomeAssistant:
    """A small client for the parts of Home Assistant's API used here."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        """Talk to Home Assistant at `url` (no trailing slash)."""
        self.session = session
        self.url = url.rstrip("/")
        self.client_id = f"{self.url}/"
        self.redirect_uri = f"{self.url}/?auth_callback=1"
        self.token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        """Authorization header of the logged-in user."""
        if self.token is None:
            raise BootstrapError("not logged in")
        return {"Authorization": f"Bearer {self.token}"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        auth: bool = True,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        """Send a request and return its JSON answer."""
        headers = self.headers if auth else {}
        async with self.session.request(
            method, f"{self.url}{path}", json=json_body, headers=headers
        ) as resp:
            text = await resp.text()
            if resp.status not in expect:
                raise BootstrapError(
                    f"{method} {path} answered {resp.status}: {text[:500]}"
                )
            return json.loads(text) if text else None

    async def wait_until_up(self, within: float) -> None:
        """Wait until the HTTP server answers."""
        deadline = time.monotonic() + within
        while True:
            try:
                async with self.session.get(f"{self.url}/api/onboarding") as resp:
                    if resp.status in (200, 404):
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise BootstrapError(
                    f"Home Assistant did not answer at {self.url} within {within:.0f} s"
                )
            await asyncio.sleep(0.5)

    async def exchange_code(self, code: str) -> None:
        """Trade an authorization code for an access token."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": self.client_id,
        }
        async with self.session.post(f"{self.url}/auth/token", data=data) as resp:
            body = await resp.json(content_type=None)
            if resp.status != 200 or "access_token" not in body:
                raise BootstrapError(f"/auth/token answered {resp.status}: {body}")
            self.token = body["access_token"]

    async def onboarding_steps(self) -> dict[str, bool]:
        """Return each onboarding step and whether it is done ({} when finished)."""
        async with self.session.get(f"{self.url}/api/onboarding") as resp:
            if resp.status == 404:  # onboarding finished long ago
                return {}
            steps = await resp.json()
        return {step["step"]: step["done"] for step in steps}

    async def onboard(self, steps: Mapping[str, bool]) -> None:
        """Finish the onboarding steps that are not done yet."""
        if not steps.get("user", True):
            result = await self.request(
                "POST",
                "/api/onboarding/users",
                auth=False,
                json_body={
                    "client_id": self.client_id,
                    "name": NAME,
                    "username": USERNAME,
                    "password": PASSWORD,
                    "language": LANGUAGE,
                },
            )
            await self.exchange_code(result["auth_code"])
            print("develop: created the user demo")
        else:
            await self.login()
        if not steps.get("core_config", True):
            await self.request("POST", "/api/onboarding/core_config", json_body={})
        if not steps.get("analytics", True):
            await self.request("POST", "/api/onboarding/analytics", json_body={})
        if not steps.get("integration", True):
            await self.request(
                "POST",
                "/api/onboarding/integration",
                json_body={
                    "client_id": self.client_id,
                    "redirect_uri": self.redirect_uri,
                },
            )
        print("develop: onboarding finished")

    async def login(self) -> None:
        """Log in as the demo user through the login flow."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            auth=False,
            json_body={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.redirect_uri,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            auth=False,
            json_body={
                "client_id": self.client_id,
                "username": USERNAME,
                "password": PASSWORD,
            },
        )
        if result.get("type") != "create_entry":
            raise BootstrapError(f"login as {USERNAME} failed: {result}")
        await self.exchange_code(result["result"])

    async def ws_command(self, commands: list[dict[str, Any]]) -> list[Any]:
        """Run WebSocket commands in order and return their results."""
        ws_url = self.url.replace("http", "ws", 1) + "/api/websocket"
        results: list[Any] = []
        async with self.session.ws_connect(ws_url) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            answer = await ws.receive_json()
            if answer.get("type") != "auth_ok":
                raise BootstrapError(f"WebSocket authentication failed: {answer}")
            for msg_id, command in enumerate(commands, start=1):
                await ws.send_json({"id": msg_id, **command})
                while True:
                    answer = await ws.receive_json()
                    if answer.get("id") == msg_id and answer.get("type") == "result":
                        break
                if not answer.get("success"):
                    raise BootstrapError(f"{command['type']} failed: {answer}")
                results.append(answer.get("result"))
        return results


def fill_form(
    step: Mapping[str, Any], values: Mapping[str, Any], what: str
) -> dict[str, Any]:
    """Answer a form step the way a user would.

    Known fields get their value; a multiple choice (such as the Jellyfin users
    whose watch data counts) gets every option; other fields keep their
    default, or take the value the form suggests, or a select's first option.
    """
    answer: dict[str, Any] = {}
    for field in step.get("data_schema") or []:
        name = field["name"]
        if name in values:
            answer[name] = values[name]
            continue
        options = multiple_choice_options(field)
        if options is not None:
            answer[name] = options
            continue
        if "default" in field or not field.get("required"):
            continue
        suggested = (field.get("description") or {}).get("suggested_value")
        if suggested is not None:
            answer[name] = suggested
            continue
        first = first_option(field)
        if first is not None:
            answer[name] = first
            continue
        raise BootstrapError(
            f"{what}: step {step.get('step_id')} asks for {name!r}, which this "
            f"helper does not know how to answer: {field}"
        )
    return answer


def first_option(field: Mapping[str, Any]) -> Any:
    """Return the first option of a select field, or None for other fields."""
    select = (field.get("selector") or {}).get("select")
    if select is None or not select.get("options"):
        return None
    option = select["options"][0]
    return option["value"] if isinstance(option, Mapping) else option


def multiple_choice_options(field: Mapping[str, Any]) -> list[Any] | None:
    """Return every option of a multiple choice field, or None for other fields."""
    if field.get("type") == "multi_select":
        options = field.get("options", {})
        if isinstance(options, Mapping):
            return list(options)
        return [opt[0] if isinstance(opt, list | tuple) else opt for opt in options]
    select = (field.get("selector") or {}).get("select")
    if select is not None and select.get("multiple"):
        return [
            opt["value"] if isinstance(opt, Mapping) else opt
            for opt in select.get("options", [])
        ]
    return None


async def run_flow(
    hass: HomeAssistant,
    base: str,
    handler: Any,
    values: Mapping[str, Any],
    what: str,
    *,
    menu_choice: str | None = None,
) -> dict[str, Any]:
    """Start a data entry flow, pick menu_choice on a menu, answer its forms."""
    result: dict[str, Any] = await hass.request(
        "POST", base, json_body={"handler": handler}
    )
    if result.get("type") == "menu":
        if menu_choice not in (result.get("menu_options") or []):
            raise BootstrapError(f"{what}: the menu has no {menu_choice!r}: {result}")
        result = await hass.request(
            "POST",
            f"{base}/{result['flow_id']}",
            json_body={"next_step_id": menu_choice},
        )
    for _ in range(10):
        kind = result.get("type")
        if kind == "create_entry":
            return result
        if kind == "abort":
            raise BootstrapError(f"{what}: aborted ({result.get('reason')})")
        if kind != "form":
            raise BootstrapError(f"{what}: unexpected step {result}")
        if result.get("errors"):
            raise BootstrapError(
                f"{what}: step {result.get('step_id')} refused the answer: "
                f"{result['errors']}"
            )
        answer = fill_form(result, values, what)
        result = await hass.request(
            "POST", f"{base}/{result['flow_id']}", json_body=answer
        )
    raise BootstrapError(f"{what}: the flow did not end after 10 steps")


async def bootstrap(hass: HomeAssistant, services: list[Service]) -> None:
    """Onboard Home Assistant and add LCARS with every simulated service."""
    steps = await hass.onboarding_steps()
    if steps and not all(steps.values()):
        await hass.onboard(steps)
    else:
        await hass.login()

    # Start from a clean entry so that a half-finished earlier run leaves nothing.
    for entry in await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    ):
        await hass.request(
            "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}"
        )

    result = await run_flow(
        hass, "/api/config/config_entries/flow", DOMAIN, {}, "LCARS"
    )
    entry_id = result["result"]["entry_id"]
    print(f"develop: added LCARS ({entry_id})")

    for added, service in enumerate(services, start=1):
        values = {"url": service.url, "api_key": service.api_key}
        await run_flow(
            hass,
            "/api/config/config_entries/subentries/flow",
            [entry_id, service.kind],
            values,
            f"{service.name} ({service.kind})",
        )
        print(f"develop: added {service.name} at {service.url}")
        # Like a person at the web interface, add the next service once this
        # one is running: each addition reloads the entry.
        await wait_for_services(hass, added, within=60)

    for entry in await hass.request("GET", "/api/config/config_entries/entry"):
        if entry["domain"] in ONBOARDING_EXTRAS:
            await hass.request(
                "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}"
            )


async def run_options_flow(
    hass: HomeAssistant,
    entry_id: str,
    menu_choice: str,
    values: Mapping[str, Any],
    what: str,
) -> dict[str, Any]:
    """Open an entry's options, pick an entry of the menu and answer its forms."""
    return await run_flow(
        hass,
        "/api/config/config_entries/options/flow",
        entry_id,
        values,
        what,
        menu_choice=menu_choice,
    )


def torrent_values(download_dir: Path, port_min: int, port_max: int) -> dict[str, Any]:
    """Answers of the BitTorrent options: the engine on the loopback interface."""
    return {
        "enabled": True,
        "backend": "libtorrent",
        "download_dir": str(download_dir),
        "listen_port_min": port_min,
        "listen_port_max": port_max,
        "connections_limit": 50,
        "download_rate_limit": 0,
        "upload_rate_limit": 0,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "bind_interface": "lo",
        # No seeding limits: nothing else on the loopback interface downloads.
        "seeding_ratio": 0.0,
        "seeding_hours": 0.0,
        "limit_action": "pause",
        "all_torrent_entities": False,
    }


async def lcars_entry_id(hass: HomeAssistant) -> str:
    """Return the id of the LCARS entry."""
    entries = await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    if not entries:
        raise BootstrapError("LCARS is not set up (start over with --reset)")
    entry_id: str = entries[0]["entry_id"]
    return entry_id


async def enable_torrent(
    hass: HomeAssistant,
    entry_id: str,
    download_dir: Path,
    *,
    ports: tuple[int, int],
    within: float = 60,
) -> None:
    """Turn the BitTorrent engine on and wait until its actions answer."""
    await run_options_flow(
        hass,
        entry_id,
        "torrent",
        torrent_values(download_dir, *ports),
        "BitTorrent options",
    )
    deadline = time.monotonic() + within
    # Saving the options reloads the entry; its actions answer once it is back.
    while await entry_state(hass, entry_id) != "loaded":
        if time.monotonic() > deadline:
            raise BootstrapError(f"LCARS did not load again within {within:.0f} s")
        await asyncio.sleep(0.5)
    while True:
        try:
            await get_torrents(hass, entry_id)
        except BootstrapError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
        else:
            return


async def entry_state(hass: HomeAssistant, entry_id: str) -> str | None:
    """The state of a config entry, such as "loaded" (None when not found)."""
    for entry in await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    ):
        if entry["entry_id"] == entry_id:
            state: str = entry["state"]
            return state
    return None


async def call_action(
    hass: HomeAssistant,
    domain: str,
    action: str,
    data: Mapping[str, Any],
    *,
    response: bool = False,
) -> Any:
    """Call an action over the REST API; return its response when asked for."""
    path = f"/api/services/{domain}/{action}"
    if response:
        path += "?return_response"
    answer = await hass.request("POST", path, json_body=dict(data))
    return answer["service_response"] if response else answer


async def get_torrents(hass: HomeAssistant, entry_id: str) -> list[dict[str, Any]]:
    """Every torrent of the LCARS engine, as lcars.get_torrents answers."""
    answer = await call_action(
        hass, DOMAIN, "get_torrents", {"config_entry_id": entry_id}, response=True
    )
    torrents: list[dict[str, Any]] = answer["torrents"]
    return torrents


@dataclass(frozen=True)
class DemoTorrent:
    """The demo seeder's torrent, as printed by scripts/demo_seeder.py."""

    magnet: str
    info_hash: str
    name: str
    size: int


def load_demo_torrent(path: Path) -> DemoTorrent:
    """Read the demo seeder's ready line."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("{"):
            info = json.loads(line)
            return DemoTorrent(
                info["magnet"], info["info_hash"], info["name"], int(info["size"])
            )
    raise BootstrapError(f"the demo seeder is not ready: nothing in {path}")


DEMO_SCRIPT = "add_demo_torrent"


def demo_script(entry_id: str, torrent: DemoTorrent) -> str:
    """The scripts file with script.add_demo_torrent (JSON is YAML too)."""
    scripts = {
        DEMO_SCRIPT: {
            "alias": "Add the demo torrent",
            "icon": "mdi:download",
            "description": (
                f"Downloads {torrent.name} ({torrent.size // (1024 * 1024)} MiB) "
                "from the demo seeder on 127.0.0.1 with the LCARS BitTorrent engine."
            ),
            "mode": "single",
            "sequence": [
                {
                    "action": f"{DOMAIN}.add_torrent",
                    "data": {"config_entry_id": entry_id, "magnet": torrent.magnet},
                }
            ],
        }
    }
    return (
        "# Written by ./scripts/develop on every run: edit the script, not this "
        "file.\n" + json.dumps(scripts, indent=2) + "\n"
    )


def write_if_changed(path: Path, text: str) -> None:
    """Write a file unless it holds this text already."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


async def demo(
    hass: HomeAssistant,
    torrent: DemoTorrent,
    download_dir: Path,
    scripts_file: Path,
    ports: tuple[int, int],
) -> None:
    """Turn BitTorrent on and offer the demo torrent as a script."""
    await hass.login()
    entry_id = await lcars_entry_id(hass)
    await enable_torrent(hass, entry_id, download_dir, ports=ports)
    print(f"develop: BitTorrent is on, downloading to {download_dir}")
    text = demo_script(entry_id, torrent)
    await asyncio.to_thread(write_if_changed, scripts_file, text)
    await call_action(hass, "script", "reload", {})
    states = {state["entity_id"] for state in await hass.request("GET", "/api/states")}
    if f"script.{DEMO_SCRIPT}" not in states:
        raise BootstrapError(f"script.{DEMO_SCRIPT} did not appear after a reload")
    print(f"develop: script.{DEMO_SCRIPT} adds {torrent.name}")


async def demo_torrent_status(
    hass: HomeAssistant, entry_id: str, torrent: DemoTorrent
) -> dict[str, Any] | None:
    """The demo torrent as lcars.get_torrents lists it, or None."""
    for listed in await get_torrents(hass, entry_id):
        if listed["info_hash"] == torrent.info_hash:
            found: dict[str, Any] = listed
            return found
    return None


async def wait_for_progress(
    hass: HomeAssistant, entry_id: str, torrent: DemoTorrent, within: float
) -> tuple[float, dict[str, Any] | None]:
    """Wait until the demo torrent moves on or is complete; return where it was."""
    status = await demo_torrent_status(hass, entry_id, torrent)
    first = status["progress"] if status else 0
    deadline = time.monotonic() + within
    while status is None or status["progress"] <= first < 100:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
        status = await demo_torrent_status(hass, entry_id, torrent)
    return first, status


async def check_demo_torrent(
    hass: HomeAssistant, torrent: DemoTorrent, within: float
) -> bool:
    """Add the demo torrent with its script when missing; wait until it downloads.

    A torrent left by an earlier run finds the seeder again only when the
    seeder was among the peers saved with it; when it does not move, it is
    removed and added again.
    """
    entry_id = await lcars_entry_id(hass)
    if await demo_torrent_status(hass, entry_id, torrent) is not None:
        first, status = await wait_for_progress(
            hass, entry_id, torrent, min(within, 30)
        )
        if status is not None and (status["progress"] > first or first == 100):
            print(
                f"develop: demo torrent from an earlier run: {status['state']}, "
                f"{first} % -> {status['progress']} %"
            )
            return True
        print("develop: the demo torrent from an earlier run is stuck: adding again")
        await call_action(
            hass,
            DOMAIN,
            "remove_torrent",
            {
                "config_entry_id": entry_id,
                "info_hash": torrent.info_hash,
                "delete_files": True,
            },
        )
    await call_action(hass, "script", DEMO_SCRIPT, {})
    print(f"develop: ran script.{DEMO_SCRIPT}")
    first, status = await wait_for_progress(hass, entry_id, torrent, within)
    if status is None or status["progress"] <= first:
        print(
            f"develop: the demo torrent did not progress within {within:.0f} s: "
            f"{status or 'not listed'}"
        )
        return False
    print(
        f"develop: demo torrent {status['name']}: {status['state']}, "
        f"{status['progress']} % after a few seconds"
    )
    return True


async def wait_for_services(hass: HomeAssistant, count: int, within: float) -> None:
    """Wait until LCARS has entities for `count` services."""
    deadline = time.monotonic() + within
    while True:
        with_entities = {
            subentry_id for subentry_id, _ in (await lcars_entities(hass)).values()
        }
        with_entities.discard("")
        if len(with_entities) >= count:
            return
        if time.monotonic() > deadline:
            print(
                f"develop: warning: after {within:.0f} s, {len(with_entities)} of "
                f"{count} services have entities"
            )
            return
        await asyncio.sleep(0.5)


async def lcars_entities(hass: HomeAssistant) -> dict[str, tuple[str, str]]:
    """Map each LCARS entity to its service: (subentry id, kind of service)."""
    entries = await hass.request(
        "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
    )
    commands: list[dict[str, Any]] = [{"type": "config/entity_registry/list"}]
    commands += [
        {"type": "config_entries/subentries/list", "entry_id": entry["entry_id"]}
        for entry in entries
    ]
    registry, *subentry_lists = await hass.ws_command(commands)
    kinds = {
        sub["subentry_id"]: sub["subentry_type"]
        for subs in subentry_lists
        for sub in subs
    }
    return {
        entity["entity_id"]: (
            entity.get("config_subentry_id") or "",
            kinds.get(entity.get("config_subentry_id") or "", ""),
        )
        for entity in registry
        if entity.get("platform") == DOMAIN and not entity.get("disabled_by")
    }


def is_number(value: str) -> bool:
    """Tell whether a state is a number."""
    try:
        float(value)
    except ValueError:
        return False
    return True


async def check(
    hass: HomeAssistant,
    services: list[Service],
    within: float,
    started: float,
    *,
    quiet: bool = False,
) -> bool:
    """Wait until every kind of service has LCARS entities with a state."""
    await hass.login()
    expected = sorted({service.kind for service in services})
    deadline = time.monotonic() + within
    while True:
        entities = {
            entity_id: kind
            for entity_id, (_, kind) in (await lcars_entities(hass)).items()
        }
        states = {
            state["entity_id"]: state
            for state in await hass.request("GET", "/api/states")
            if state["entity_id"] in entities
        }
        ready = {
            kind
            for entity_id, kind in entities.items()
            if entity_id in states and states[entity_id]["state"] not in UNAVAILABLE
        }
        numeric = [
            entity_id
            for entity_id, state in states.items()
            if entity_id.startswith("sensor.") and is_number(state["state"])
        ]
        if set(expected) <= ready and numeric:
            break
        if time.monotonic() > deadline:
            print(
                f"develop: after {within:.0f} s, services without a state: "
                f"{', '.join(sorted(set(expected) - ready)) or 'none'}; "
                f"numeric sensors: {len(numeric)}"
            )
            print_states(entities, states)
            return False
        await asyncio.sleep(1)
    if not quiet:
        print_states(entities, states)
    print(
        f"develop: {len(states)} LCARS entities, {len(numeric)} numeric sensors; "
        f"every service has states {time.time() - started:.1f} s after start"
    )
    await check_assist(hass)
    await check_media_panel(hass)
    await check_adding(hass)
    return True


# The title `check` adds to the demo's Radarr: found by its Spanish title.
ADDED_TITLE = "El laberinto del fauno"


async def check_adding(hass: HomeAssistant) -> None:
    """Set the adding defaults of the first Radarr as a user would, and add a movie."""
    entry_id = await lcars_entry_id(hass)
    await run_options_flow(hass, entry_id, "adding", {}, "Adding options")
    answer = await call_action(
        hass,
        DOMAIN,
        "add_media",
        {"config_entry_id": entry_id, "kind": "movie", "term": ADDED_TITLE},
        response=True,
    )
    if answer.get("result") not in ("added", "already_added"):
        raise BootstrapError(f"add_media {ADDED_TITLE!r} answered {answer}")
    item = answer["item"]
    print(
        f"develop: add_media {ADDED_TITLE!r}: {answer['result']} "
        f"{item['title']} ({item['year']}) in {answer['instance']}"
    )


# How many posters of the Media panel's Movies folder `check` reads.
POSTERS_CHECKED = 3


async def check_media_panel(hass: HomeAssistant) -> None:
    """Make sure the Media panel's Movies folder shows posters that load."""
    uri = "media-source://lcars/movies"
    (folder,) = await hass.ws_command(
        [{"type": "media_source/browse_media", "media_content_id": uri}]
    )
    children = folder.get("children") or []
    if children and children[0].get("can_expand"):
        # A large library opens on letter folders: look into the first.
        (folder,) = await hass.ws_command(
            [
                {
                    "type": "media_source/browse_media",
                    "media_content_id": children[0]["media_content_id"],
                }
            ]
        )
        children = folder.get("children") or []
    movies = children[:POSTERS_CHECKED]
    if not movies:
        raise BootstrapError("the Media panel's Movies folder is empty")
    for movie in movies:
        thumbnail = movie.get("thumbnail")
        if not thumbnail:
            raise BootstrapError(f"{movie['title']} has no poster in the Media panel")
        async with hass.session.get(
            f"{hass.url}{thumbnail}", headers=hass.headers
        ) as resp:
            body = await resp.read()
            if resp.status != 200 or resp.content_type != "image/jpeg" or not body:
                raise BootstrapError(
                    f"the poster of {movie['title']} answered {resp.status} "
                    f"{resp.content_type}"
                )
    print(
        f"develop: the Media panel shows {len(folder.get('children') or [])} movies "
        f"in {folder['title']}; the first {len(movies)} posters load"
    )


# Asked through Assist by `check`: any configured Home Assistant can answer it.
ASSIST_QUESTION = "What time is it?"


async def ask_assist(hass: HomeAssistant, text: str) -> str:
    """Ask Assist as the web interface's Assist dialog does; return its answer.

    The dialog lists the pipelines and runs the preferred one from the intent
    stage: without `assist_pipeline` both commands are unknown and the dialog
    does nothing.
    """
    ws_url = hass.url.replace("http", "ws", 1) + "/api/websocket"
    async with hass.session.ws_connect(ws_url) as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": hass.token})
        if (await ws.receive_json()).get("type") != "auth_ok":
            raise BootstrapError("WebSocket authentication failed")
        await ws.send_json({"id": 1, "type": "assist_pipeline/pipeline/list"})
        listed = await ws.receive_json()
        if not listed.get("success"):
            raise BootstrapError(f"Assist has no pipelines: {listed.get('error')}")
        await ws.send_json(
            {
                "id": 2,
                "type": "assist_pipeline/run",
                "start_stage": "intent",
                "end_stage": "intent",
                "input": {"text": text},
                "pipeline": listed["result"]["preferred_pipeline"],
            }
        )
        while True:
            message = await ws.receive_json()
            if message.get("type") == "result" and not message.get("success"):
                raise BootstrapError(f"Assist refused: {message.get('error')}")
            event = message.get("event") or {}
            if event.get("type") == "error":
                raise BootstrapError(f"Assist failed: {event.get('data')}")
            if event.get("type") == "intent-end":
                response = event["data"]["intent_output"]["response"]
                if response.get("response_type") == "error":
                    raise BootstrapError(f"Assist answered with an error: {response}")
                return str(response["speech"]["plain"]["speech"])


async def ask_conversation(hass: HomeAssistant, text: str) -> str:
    """Ask the conversation API (POST /api/conversation/process); return its answer."""
    answer = await hass.request(
        "POST", "/api/conversation/process", json_body={"text": text}
    )
    response = answer["response"]
    if response.get("response_type") == "error":
        raise BootstrapError(f"the conversation API answered with an error: {answer}")
    return str(response["speech"]["plain"]["speech"])


async def check_assist(hass: HomeAssistant) -> None:
    """Make sure Assist answers, through its pipeline and the conversation API."""
    pipeline = await ask_assist(hass, ASSIST_QUESTION)
    api = await ask_conversation(hass, ASSIST_QUESTION)
    print(f'develop: Assist answers "{ASSIST_QUESTION}" with "{pipeline}" ({api})')


def print_states(entities: Mapping[str, str], states: Mapping[str, Any]) -> None:
    """Print the LCARS entities grouped by service."""
    for entity_id in sorted(entities, key=lambda e: (entities[e], e)):
        state = states.get(entity_id)
        value = "(no state)" if state is None else state["state"]
        unit = (
            "" if state is None else state["attributes"].get("unit_of_measurement", "")
        )
        print(
            f"  {entities[entity_id] or '-':<11} {entity_id:<55} {value} {unit}".rstrip()
        )


async def main() -> int:
    """Run the command given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("bootstrap", "demo", "check"))
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--simulator", type=Path, required=True)
    parser.add_argument(
        "--seeder", type=Path, help="the demo seeder's ready line (demo, check)"
    )
    parser.add_argument(
        "--download-dir", type=Path, help="demo: where BitTorrent downloads go"
    )
    parser.add_argument(
        "--scripts-file", type=Path, help="demo: the scripts file to write"
    )
    parser.add_argument(
        "--ports",
        default="58124-58133",
        help="demo: the BitTorrent engine's listen ports, such as 58124-58133",
    )
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument(
        "--quiet", action="store_true", help="check: print only the outcome"
    )
    parser.add_argument(
        "--started",
        type=float,
        default=time.time(),
        help="Unix time at which Home Assistant was started (for the report)",
    )
    args = parser.parse_args()
    services = load_services(args.simulator)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        hass = HomeAssistant(session, args.url)
        try:
            await hass.wait_until_up(args.timeout)
            if args.command == "bootstrap":
                await bootstrap(hass, services)
                ready = True
            elif args.command == "demo":
                if args.seeder is None or args.download_dir is None:
                    parser.error("demo needs --seeder and --download-dir")
                if args.scripts_file is None:
                    parser.error("demo needs --scripts-file")
                low, _, high = args.ports.partition("-")
                await demo(
                    hass,
                    load_demo_torrent(args.seeder),
                    args.download_dir.resolve(),
                    args.scripts_file,
                    (int(low), int(high or low)),
                )
                ready = True
            else:
                ready = await check(
                    hass, services, args.timeout, args.started, quiet=args.quiet
                )
                if ready and args.seeder is not None:
                    ready = await check_demo_torrent(
                        hass, load_demo_torrent(args.seeder), args.timeout
                    )
        except BootstrapError as err:
            print(f"develop: {err}", file=sys.stderr)
            return 1
    return 0 if ready else 1


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        sys.exit(130)

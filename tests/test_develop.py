"""The configuration ./scripts/develop gives Home Assistant.

The demo is where a new user first meets LCARS: what its web interface offers
must work there. The whole demo runs in `./scripts/develop --check`; here its
configuration is read from the script and the parts it must have are checked.
"""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any

import pytest
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
import yaml

from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

DEVELOP = Path(__file__).parent.parent / "scripts" / "develop"


class _Loader(yaml.SafeLoader):
    """Reads Home Assistant's YAML, its tags left as plain text."""


_Loader.add_constructor(
    None,
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def develop_configuration() -> dict[str, Any]:
    """The configuration.yaml the script writes, as data."""
    script = DEVELOP.read_text(encoding="utf-8")
    match = re.search(
        r'cat >"\$CONFIG/configuration\.yaml" <<EOF\n(.*?)\nEOF\n', script, re.S
    )
    assert match, "no configuration.yaml in scripts/develop"
    data: dict[str, Any] = yaml.load(match[1], Loader=_Loader)
    return data


async def test_demo_sets_up_what_assist_needs(hass: HomeAssistant) -> None:
    """The Assist button runs a pipeline: the demo sets up assist_pipeline.

    Conversation alone answers the conversation API, while the web interface's
    Assist dialog lists the pipelines and runs one, and does nothing without
    them.
    """
    configured = set(develop_configuration())
    assert {"assist_pipeline", "conversation"} <= configured
    integration = await async_get_integration(hass, "assist_pipeline")
    # Its dependencies are set up with it; none may need what the demo leaves
    # out on purpose (default_config's go2rtc needs a binary).
    assert "go2rtc" not in integration.dependencies


async def test_assist_answers_through_its_pipeline(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """With the demo's integrations, Assist answers as the dialog asks it."""
    configured = set(develop_configuration())
    for module in ("pymicro_vad", "pyspeex_noise", "hassil", "mutagen"):
        pytest.importorskip(module)

    for domain in ("homeassistant", "conversation", "assist_pipeline"):
        assert domain in configured | {"homeassistant"}
        assert await async_setup_component(hass, domain, {})
    await hass.async_block_till_done()
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "assist_pipeline/pipeline/list"})
    listed = await client.receive_json()
    assert listed["success"], listed
    await client.send_json_auto_id(
        {
            "type": "assist_pipeline/run",
            "start_stage": "intent",
            "end_stage": "intent",
            "input": {"text": "What time is it?"},
            "pipeline": listed["result"]["preferred_pipeline"],
        }
    )
    started = await client.receive_json()
    assert started["success"], started
    events: list[dict[str, Any]] = []
    while not events or events[-1]["type"] not in ("run-end", "error"):
        message = await client.receive_json()
        events.append(message["event"])
    assert [e["type"] for e in events] == [
        "run-start",
        "intent-start",
        "intent-end",
        "run-end",
    ]
    response = events[2]["data"]["intent_output"]["response"]
    assert response["response_type"] != "error", response
    assert response["speech"]["plain"]["speech"]

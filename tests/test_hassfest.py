"""What hassfest and HACS check of a custom integration, checked here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

from awesomeversion import AwesomeVersion
import pytest
import yaml

from custom_components.lcars import (
    binary_sensor,
    bittorrent_sensors,
    button,
    calendar,
    cleanup_sensors,
    event,
    sensor,
    switch,
)
from custom_components.lcars.const import ARR_SERVICE_TYPES, DOMAIN, SERVICE_TYPES
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / DOMAIN

IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
    "virtual",
}
KEY = re.compile(r"^[a-z0-9_-]+$")


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def strings() -> dict[str, Any]:
    """The source strings of the integration."""
    data: dict[str, Any] = _json(PACKAGE / "strings.json")
    return data


@pytest.fixture(scope="module")
def icons() -> dict[str, Any]:
    """The icon translations of the integration."""
    data: dict[str, Any] = _json(PACKAGE / "icons.json")
    return data


# --------------------------------------------------------------------------- manifest


def test_manifest() -> None:
    """Keys are domain, name, then sorted; all that a custom integration needs."""
    manifest = _json(PACKAGE / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == DOMAIN
    for key in (
        "codeowners",
        "config_flow",
        "dependencies",
        "documentation",
        "integration_type",
        "iot_class",
        "issue_tracker",
        "requirements",
        "version",
    ):
        assert key in manifest, key
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["integration_type"] in INTEGRATION_TYPES
    assert manifest["config_flow"] is True
    assert AwesomeVersion(manifest["version"]).valid
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")
    assert all(owner.startswith("@") for owner in manifest["codeowners"])


def test_hacs_json() -> None:
    """HACS needs a name and the oldest Home Assistant version supported."""
    path = ROOT / "hacs.json"
    assert path.is_file(), "hacs.json is missing at the root of the repository"
    hacs = _json(path)
    assert hacs.get("name")
    assert "homeassistant" in hacs
    minimum = AwesomeVersion(hacs["homeassistant"])
    assert minimum.valid
    assert minimum <= AwesomeVersion("2025.4.4")
    assert AwesomeVersion(ha_version) >= minimum


# --------------------------------------------------------------------------- strings


def _leaves(tree: Any, path: str = "") -> dict[str, str]:
    """Every text of a translation tree, by its dotted key."""
    if isinstance(tree, dict):
        found: dict[str, str] = {}
        for key, value in tree.items():
            found |= _leaves(value, f"{path}.{key}" if path else key)
        return found
    assert isinstance(tree, str), f"{path} is not text"
    return {path: tree}


PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", ["es"])
def test_every_translation_is_complete(strings: dict[str, Any], language: str) -> None:
    """Every text a user reads exists in every language, with the same placeholders."""
    english = _leaves(strings)
    translated = _leaves(_json(PACKAGE / "translations" / f"{language}.json"))
    assert set(translated) == set(english), set(translated) ^ set(english)
    for key, text in english.items():
        assert translated[key].strip(), f"{language}: {key} is empty"
        assert sorted(PLACEHOLDER.findall(translated[key])) == sorted(
            PLACEHOLDER.findall(text)
        ), f"{language}: {key} has other placeholders than English"
        assert "[%key:" not in translated[key]


def test_every_translation_file_is_tested() -> None:
    """A new language is checked as soon as its file exists."""
    files = {p.stem for p in (PACKAGE / "translations").glob("*.json")}
    assert files == {"en", "es"}


def test_translations_equal_strings(strings: dict[str, Any]) -> None:
    """Custom integrations load translations/en.json: it must be strings.json."""
    assert _json(PACKAGE / "translations" / "en.json") == strings


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}::{key}" if path else key)
    else:
        yield path, node


def test_strings_are_plain_text(strings: dict[str, Any]) -> None:
    """No references (custom integrations cannot resolve them), no stray space."""
    for path, value in _walk(strings):
        assert isinstance(value, str), path
        assert value, path
        assert "[%key:" not in value, path
        assert value == value.strip(), path
        for part in path.split("::"):
            assert part == part.strip(), path


def _all_steps(strings: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, step in strings["config"]["step"].items():
        yield f"config {name}", step
    for name, step in strings["options"]["step"].items():
        yield f"options {name}", step
    for kind, sub in strings["config_subentries"].items():
        for name, step in sub["step"].items():
            yield f"{kind} {name}", step


def test_every_field_is_described(strings: dict[str, Any]) -> None:
    """Every field of every form has a label and a description."""
    for name, step in _all_steps(strings):
        assert set(step.get("data", {})) == set(step.get("data_description", {})), name


def _literals(node: ast.AST, keyword: str) -> set[str]:
    """String values passed as `keyword=` anywhere below node."""
    found: set[str] = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            for kw in call.keywords:
                if (
                    kw.arg == keyword
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                ):
                    found.add(kw.value.value)
    return found


def _error_keys(node: ast.AST) -> set[str]:
    """Error keys put in form error dicts below node."""
    found: set[str] = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Dict):
            keys = [
                k.value if isinstance(k, ast.Constant) else getattr(k, "id", None)
                for k in item.keys
            ]
            if keys and all(k in ("base", "CONF_URL") for k in keys):
                found.update(
                    v.value
                    for v in item.values
                    if isinstance(v, ast.Constant) and isinstance(v.value, str)
                )
        if (
            isinstance(item, ast.Assign)
            and isinstance(item.targets[0], ast.Subscript)
            and getattr(item.targets[0].value, "id", None) == "errors"
            and isinstance(item.value, ast.Constant)
        ):
            found.add(item.value.value)
    return found


@pytest.fixture(scope="module")
def flow_tree() -> dict[str, ast.AST]:
    """The config and options flow modules, by class, and their error helpers."""
    parts: dict[str, ast.AST] = {}
    for module in ("config_flow.py", "options_flow.py"):
        tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.AsyncFunctionDef | ast.FunctionDef):
                parts[node.name] = node
    return parts


def test_config_flow_strings(
    strings: dict[str, Any], flow_tree: dict[str, ast.AST]
) -> None:
    """Every step, error and abort of the main flow has its text."""
    main = flow_tree["LcarsConfigFlow"]
    config = strings["config"]
    steps = _literals(main, "step_id")
    assert steps == {"user", "reauth_confirm"}
    assert steps <= set(config["step"])
    errors = _error_keys(flow_tree["_async_try_identify"]) | _error_keys(main)
    assert errors, "no errors found in the flow"
    assert errors <= set(config["error"])
    aborts = _literals(main, "reason")
    assert aborts <= set(config["abort"]), aborts - set(config["abort"])
    assert "reauth_successful" in aborts

    options = _literals(flow_tree["LcarsOptionsFlow"], "step_id")
    assert options <= set(strings["options"]["step"])


def test_subentry_flow_strings(
    strings: dict[str, Any], flow_tree: dict[str, ast.AST]
) -> None:
    """Every subentry type has its name, buttons, steps, errors and aborts."""
    flow = flow_tree["ServiceSubentryFlow"]
    users_step = next(
        node
        for node in ast.walk(flow)
        if isinstance(node, ast.AsyncFunctionDef) and node.name == "async_step_users"
    )
    steps = _literals(flow, "step_id")
    errors = _error_keys(flow_tree["_async_try_identify"]) | _error_keys(flow)
    aborts = _literals(flow, "reason") | {"reconfigure_successful"}
    jellyfin_only_steps = _literals(users_step, "step_id")
    jellyfin_only_errors = _error_keys(users_step)
    assert set(strings["config_subentries"]) == set(SERVICE_TYPES)
    for kind, sub in strings["config_subentries"].items():
        assert sub["entry_type"]
        assert set(sub["initiate_flow"]) == {"user", "reconfigure"}
        wanted_steps = steps if kind == "jellyfin" else steps - jellyfin_only_steps
        assert wanted_steps <= set(sub["step"]), (kind, wanted_steps)
        wanted_errors = errors if kind == "jellyfin" else errors - jellyfin_only_errors
        assert wanted_errors <= set(sub["error"]), (kind, wanted_errors)
        wanted_aborts = (
            aborts if kind == "jellyfin" else aborts - {"unique_id_mismatch"}
        )
        assert wanted_aborts <= set(sub["abort"]), (kind, wanted_aborts)


def test_exception_strings(strings: dict[str, Any]) -> None:
    """Every translated exception raised in the code has its message."""
    used: set[str] = set()
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(
            re.findall(
                r'translation_domain=DOMAIN,\s*translation_key="([a-z0-9_]+)"', text
            )
        )
        used |= set(re.findall(r'_invalid\(\s*"([a-z0-9_]+)"', text))
    assert used
    assert used <= set(strings["exceptions"]), used - set(strings["exceptions"])
    for key, text in strings["exceptions"].items():
        assert KEY.match(key)
        assert set(text) == {"message"}
        assert text["message"]


# --------------------------------------------------------------------------- entities


def _class_attribute(cls: type, name: str) -> Any:
    """A `_attr_` default of an entity class (stored aside by its metaclass)."""
    namespace = vars(cls)
    value = namespace.get(f"__attr_{name}", namespace.get(f"_attr_{name}"))
    return None if isinstance(value, property) else value


def _entity_keys() -> dict[tuple[str, str], bool]:
    """Entity translation keys by platform, with whether a device class is set."""
    keys: dict[tuple[str, str], bool] = {}
    modules = (
        ("sensor", sensor),
        ("sensor", cleanup_sensors),
        ("sensor", bittorrent_sensors),
        ("binary_sensor", binary_sensor),
        ("button", button),
        ("calendar", calendar),
        ("event", event),
        ("switch", switch),
    )
    for platform, module in modules:
        for value in vars(module).values():
            candidates = value if isinstance(value, tuple) else (value,)
            for candidate in candidates:
                if (
                    isinstance(candidate, EntityDescription)
                    and candidate.translation_key
                ):
                    has_class = getattr(candidate, "device_class", None) is not None
                    keys[(platform, candidate.translation_key)] = has_class
            if isinstance(value, type) and value.__module__ == module.__name__:
                key = _class_attribute(value, "translation_key")
                if isinstance(key, str):
                    has_class = _class_attribute(value, "device_class") is not None
                    keys[(platform, key)] = has_class
    for kind in ARR_SERVICE_TYPES:
        keys[("calendar", f"{kind}_calendar")] = False
    return keys


def test_entity_names(strings: dict[str, Any]) -> None:
    """Every entity translation key has a name, and every name is used."""
    keys = _entity_keys()
    assert ("sensor", "movies") in keys
    assert ("binary_sensor", "connectivity") in keys
    assert ("sensor", "queue_item") in keys
    names = {
        (platform, key)
        for platform, entities in strings["entity"].items()
        for key in entities
    }
    assert set(keys) == names, set(keys) ^ names
    for platform, key in keys:
        assert KEY.match(key)
        assert strings["entity"][platform][key]["name"]


def test_entity_icons(icons: dict[str, Any]) -> None:
    """Every entity has an icon by translation key or one from its device class."""
    for (platform, key), has_device_class in _entity_keys().items():
        icon = icons.get("entity", {}).get(platform, {}).get(key)
        assert has_device_class or icon, (platform, key)
        if icon:
            assert icon["default"].startswith("mdi:")
    for entities in icons.get("entity", {}).values():
        for icon in entities.values():
            for state_icon in icon.get("state", {}).values():
                assert state_icon.startswith("mdi:")


def _mdi_names() -> set[str]:
    """The Material Design Icons the installed web interface can draw."""
    frontend = pytest.importorskip("hass_frontend")
    icon_list = Path(frontend.__file__).parent / "static" / "mdi" / "iconList.json"
    return {icon["name"] for icon in _json(icon_list)}


def test_icons_exist(icons: dict[str, Any]) -> None:
    """Every icon named is one the web interface has: a wrong name shows none."""
    known = _mdi_names()
    named = set(re.findall(r"mdi:([a-z0-9-]+)", json.dumps(icons)))
    assert named
    assert named <= known, sorted(named - known)


# --------------------------------------------------------------------------- actions


async def test_integration_title(hass: HomeAssistant, strings: dict[str, Any]) -> None:
    """The action picker names LCARS "LCARS": its title, not the domain "lcars".

    The web interface writes an action as "<title>: <action name>" and falls
    back to the domain when the title is missing from the translations.
    """
    manifest = _json(PACKAGE / "manifest.json")
    assert strings["title"] == manifest["name"] == "LCARS"
    assert await async_setup_component(hass, DOMAIN, {})
    titles = await async_get_translations(hass, "en", "title", [DOMAIN])
    assert titles == {f"component.{DOMAIN}.title": "LCARS"}
    names = await async_get_translations(hass, "en", "services", [DOMAIN])
    action_names = {key: value for key, value in names.items() if key.endswith(".name")}
    for action in hass.services.async_services_for_domain(DOMAIN):
        name = action_names[f"component.{DOMAIN}.services.{action}.name"]
        assert name[0].isupper(), name


async def test_actions_are_documented(
    hass: HomeAssistant, strings: dict[str, Any], icons: dict[str, Any]
) -> None:
    """Every registered action is in services.yaml, strings and icons, and back."""
    assert await async_setup_component(hass, DOMAIN, {})
    registered = set(hass.services.async_services_for_domain(DOMAIN))
    assert registered == {
        "get_library",
        "get_queue",
        "get_disk_space",
        "preview_cleanup",
        "run_cleanup",
        "protect",
        "unprotect",
        "delete_media",
        "add_torrent",
        "pause_torrent",
        "resume_torrent",
        "remove_torrent",
        "get_torrents",
        "lookup_media",
        "add_media",
        "get_requests",
        "request_media",
        "approve_request",
        "decline_request",
    }
    described = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    assert set(described) == registered
    assert set(strings["services"]) == registered
    assert set(icons["services"]) == registered
    for action in registered:
        assert icons["services"][action]["service"].startswith("mdi:")
        texts = strings["services"][action]
        assert texts["name"]
        assert texts["description"]
        fields = described[action].get("fields", {})
        assert set(fields) == set(texts.get("fields", {})), action
        for field, spec in fields.items():
            assert texts["fields"][field]["name"]
            assert texts["fields"][field]["description"]
            select = (spec.get("selector") or {}).get("select")
            if select and "translation_key" in select:
                options = strings["selector"][select["translation_key"]]["options"]
                assert set(select["options"]) == set(options), field


def test_quality_scale() -> None:
    """Every rule of the quality scale has a status; exemptions say why."""
    reference = (
        Path(__import__("homeassistant").__file__).parent
        / "components"
        / "elgato"
        / "quality_scale.yaml"
    )
    rules = set(yaml.safe_load(reference.read_text(encoding="utf-8"))["rules"])
    ours = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text(encoding="utf-8"))
    assert set(ours["rules"]) == rules
    for rule, value in ours["rules"].items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"done", "todo", "exempt"}, rule
        if status == "exempt":
            assert isinstance(value, dict)
            assert value.get("comment", "").strip(), rule

"""Validation of simulator responses against the published OpenAPI documents.

The documents are read once per test session. Response schemas are checked
with the OpenAPI 3.0 dialect (`nullable`, `readOnly`, int32/int64 and
date-time formats) with every `$ref` resolved against the document's own
components.
"""

from __future__ import annotations

from functools import cache
import json
import os
from pathlib import Path
import re
from typing import Any

from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker

SPEC_FILES = {
    "radarr": "radarr_v3_openapi.json",
    "sonarr": "sonarr_v3_openapi.json",
    "lidarr": "lidarr_v1_openapi.json",
    "jellyseerr": "jellyseerr_openapi.json",
}
# Jellyseerr's document lists paths relative to its `/api/v1` server URL.
PATH_PREFIX = {"jellyseerr": "/api/v1"}
_REPO = Path(__file__).resolve().parents[2]


def spec_dir() -> Path | None:
    """Where the OpenAPI documents are: $LCARS_API_SPECS, or `shared/` beside the repo."""
    candidates = [
        os.environ.get("LCARS_API_SPECS"),
        str(_REPO.parent / "shared" / "api-specs"),
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / SPEC_FILES["radarr"]).is_file():
            return Path(candidate)
    return None


@cache
def load_spec(kind: str) -> dict[str, Any]:
    """The parsed OpenAPI document of a service kind."""
    directory = spec_dir()
    assert directory is not None, "OpenAPI documents not found"
    return json.loads((directory / SPEC_FILES[kind]).read_text(encoding="utf-8"))


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$")


class SpecValidator:
    """The operations and response schemas of one OpenAPI document."""

    def __init__(self, kind: str) -> None:
        """Index the document of `kind`."""
        self.kind = kind
        self.spec = load_spec(kind)
        self.prefix = PATH_PREFIX.get(kind, "")
        self._validators: dict[str, OAS30ReadValidator] = {}

    def spec_path(self, served_path: str) -> str:
        """The document's path for a served path template."""
        if self.prefix and served_path.startswith(self.prefix):
            return served_path[len(self.prefix) :]
        return served_path

    def operation(self, method: str, served_path: str) -> dict[str, Any] | None:
        """The operation for a served path template, or None."""
        item = self.spec["paths"].get(self.spec_path(served_path))
        if item is None:
            return None
        op = item.get(method.lower())
        return op if isinstance(op, dict) else None

    def match(self, method: str, concrete_path: str) -> str | None:
        """The document path template matching a concrete request path."""
        path = self.spec_path(concrete_path)
        exact = self.spec["paths"].get(path)
        if exact is not None and method.lower() in exact:
            return path
        for template, item in self.spec["paths"].items():
            if method.lower() in item and _template_regex(template).match(path):
                return template
        return None

    def response_schema(
        self, method: str, template: str, status: int
    ) -> dict[str, Any] | None:
        """The JSON schema of a success response.

        The *arr documents list 200 for every operation although the servers
        answer 201 to a POST and 202 to a PUT; the 2xx schema is used then.
        """
        op = self.spec["paths"][template][method.lower()]
        responses = op.get("responses", {})
        candidates = [
            str(status),
            "200",
            *sorted(c for c in responses if c.startswith("2")),
        ]
        for code in candidates:
            response = responses.get(code)
            if response is None:
                continue
            content = response.get("content") or {}
            for media in ("application/json", "text/json", "text/plain"):
                if media in content and "schema" in content[media]:
                    schema: dict[str, Any] = content[media]["schema"]
                    return schema
            return None
        return None

    def _validator(self, key: str, schema: dict[str, Any]) -> OAS30ReadValidator:
        validator = self._validators.get(key)
        if validator is None:
            # `$ref`s point at `#/components/...`: give the schema the document's components.
            root = {"allOf": [schema], "components": self.spec.get("components", {})}
            validator = OAS30ReadValidator(root, format_checker=oas30_format_checker)
            self._validators[key] = validator
        return validator

    def errors(self, method: str, template: str, status: int, body: Any) -> list[str]:
        """Validation errors of a response body (empty when it conforms)."""
        schema = self.response_schema(method, template, status)
        if schema is None:
            return [
                f"{method} {template}: the document has no JSON schema for {status}"
            ]
        validator = self._validator(f"{method} {template} {status}", schema)
        return [_describe(e) for e in validator.iter_errors(body)]

    def component_errors(self, name: str, body: Any) -> list[str]:
        """Validation errors of a body against a named component schema."""
        schema = {"$ref": f"#/components/schemas/{name}"}
        validator = self._validator(f"component {name}", schema)
        return [_describe(e) for e in validator.iter_errors(body)]


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path)
    return f"at /{where}: {error.message[:300]}"


@cache
def validator(kind: str) -> SpecValidator:
    """A cached validator per service kind."""
    return SpecValidator(kind)

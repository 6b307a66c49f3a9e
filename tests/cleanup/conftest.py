"""The cleanup planner is pure: its tests need no Home Assistant instance."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the package-wide fixture, which starts Home Assistant for every test."""

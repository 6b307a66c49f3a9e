"""Fixtures for the simulator tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A client session for real HTTP against the simulator."""
    async with aiohttp.ClientSession() as session:
        yield session

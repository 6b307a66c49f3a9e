"""Pytest fixtures: a running simulator on ephemeral ports.

Loaded by the root conftest.py (`pytest_plugins = ["simulator.pytest_plugin"]`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from .server import Simulator

type SimulatorFactory = Callable[..., Awaitable[Simulator]]


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncIterator[Simulator]:
    """Return a started simulator with the small default library, stopped at teardown."""
    async with Simulator(movies=50, series=10, artists=5, seed=1) as sim:
        yield sim


@pytest.fixture
async def simulator_factory(socket_enabled: None) -> AsyncIterator[SimulatorFactory]:
    """Start simulators with custom settings, given as `Simulator` keyword arguments."""
    started: list[Simulator] = []

    async def factory(**kwargs: Any) -> Simulator:
        sim = Simulator(**kwargs)
        await sim.start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        await sim.stop()

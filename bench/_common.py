"""Helpers shared by the bench scripts: the simulator process, RSS, stall probe."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import gc
import json
import os
from pathlib import Path
import select
import signal
import subprocess
import sys
import time
from typing import Any, Self

ROOT = Path(__file__).resolve().parent.parent


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/status (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class _GcClock:
    """Total wall and CPU time spent in garbage collections, and the longest one."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0
        self.longest = 0.0
        self.longest_full = 0.0
        self.full_collections = 0
        self._started = (0.0, 0.0)

    def callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.thread_time())
            return
        wall = time.perf_counter() - self._started[0]
        self.wall += wall
        self.cpu += time.thread_time() - self._started[1]
        self.longest = max(self.longest, wall)
        if info["generation"] == 2:
            self.full_collections += 1
            self.longest_full = max(self.longest_full, wall)


@dataclass
class StallProbe:
    """A task that sleeps 1 ms in a loop and records how late it wakes up.

    The longest overshoot is the longest time the event loop could not run
    a ready timer: what the rest of Home Assistant would feel. Garbage
    collections are timed too, so that the part of a stall that is the
    interpreter's collector (which runs wherever the allocation that
    triggers it happens) can be told apart from the code under test.
    """

    interval: float = 0.001
    longest: float = 0.0
    # The same, counting only the CPU time this thread used while the probe
    # waited: a stall that the operating system caused by running another
    # process (the machine is shared) shows in `longest` but not here.
    longest_busy: float = 0.0
    # The longest stall once the garbage collections inside it are taken out,
    # in wall time and in this thread's CPU time.
    longest_without_gc: float = 0.0
    longest_busy_without_gc: float = 0.0
    longest_gc: float = 0.0
    full_collections: int = 0
    wakeups: int = 0
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _running: bool = False
    _gc: _GcClock = field(default_factory=_GcClock, repr=False)

    async def _run(self) -> None:
        clock = time.perf_counter
        cpu = time.thread_time
        collector = self._gc
        while self._running:
            started = clock()
            started_cpu = cpu()
            gc_before, gc_cpu_before = collector.wall, collector.cpu
            await asyncio.sleep(self.interval)
            late = clock() - started - self.interval
            busy = min(late, cpu() - started_cpu)
            self.wakeups += 1
            self.longest = max(self.longest, late)
            self.longest_busy = max(self.longest_busy, busy)
            self.longest_without_gc = max(
                self.longest_without_gc, late - (collector.wall - gc_before)
            )
            self.longest_busy_without_gc = max(
                self.longest_busy_without_gc, busy - (collector.cpu - gc_cpu_before)
            )

    async def __aenter__(self) -> Self:
        self._running = True
        gc.callbacks.append(self._gc.callback)
        self._task = asyncio.create_task(self._run())
        # Let the probe take its first sleep before the measured work starts.
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._running = False
        assert self._task is not None
        await self._task
        gc.callbacks.remove(self._gc.callback)
        self.longest_gc = self._gc.longest
        self.full_collections = self._gc.full_collections


@dataclass
class SimulatorProcess:
    """`python -m simulator` in its own process, so it has its own CPU time."""

    process: subprocess.Popen[bytes]
    services: dict[str, dict[str, Any]]
    started_in: float
    # The whole line the process printed (a bench's own server adds fields).
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        *,
        movies: int,
        series: int,
        artists: int,
        timeout: float = 900.0,
        command: list[str] | None = None,
    ) -> SimulatorProcess:
        """Start the simulator (or `command`, which prints the same line); wait for it."""
        started = time.monotonic()
        process = subprocess.Popen(
            command
            or [
                sys.executable,
                "-m",
                "simulator",
                "--movies",
                str(movies),
                "--series",
                str(series),
                "--artists",
                str(artists),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        line = b""
        while not line.endswith(b"\n"):
            remaining = timeout - (time.monotonic() - started)
            ready, _, _ = select.select([process.stdout], [], [], max(0.0, remaining))
            if not ready:
                process.kill()
                raise RuntimeError("the simulator did not start in time")
            byte = os.read(process.stdout.fileno(), 1)
            if not byte:
                raise RuntimeError(f"the simulator exited ({process.wait()})")
            line += byte
        answer = json.loads(line)
        return cls(process, answer["services"], time.monotonic() - started, answer)

    def stop(self) -> None:
        """Stop the simulator (SIGTERM, then SIGKILL)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def median(values: list[float]) -> float:
    """The median of a non-empty list."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2

"""Simulated Radarr, Sonarr, Lidarr, Jellyfin and Jellyseerr for tests and development.

`Simulator` starts one HTTP server per instance on 127.0.0.1 with a generated
library; see server.py for the API and `python -m simulator --help` for the
command line.
"""

from .faults import Faults
from .server import DEFAULT_INSTANCES, DEFAULT_PORTS, ServiceHandle, Simulator
from .state import Clock, State

__all__ = [
    "DEFAULT_INSTANCES",
    "DEFAULT_PORTS",
    "Clock",
    "Faults",
    "ServiceHandle",
    "Simulator",
    "State",
]

"""The simulator: one aiohttp server per instance, plus control endpoints.

```python
async with Simulator(movies=50, series=10, artists=5, seed=1) as sim:
    radarr = sim.services["radarr"]          # .name .kind .url .api_key
    sim.faults("radarr").set(latency=0.5)
    new_key = sim.rotate_key("radarr")
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
import logging
import re
from types import TracebackType
from typing import Any, Protocol, Self

from aiohttp import web

from .arr import ArrService
from .common import Handler, Route, ServiceContext, json_response, read_json
from .covers import add_cover_routes, tmdb_image
from .faults import CONTROL_PREFIX, Faults, fault_middleware, is_control, relative_path
from .jellyfin import JellyfinService
from .jellyseerr import JellyseerrService
from .library import api_key_for, generate
from .lidarr import LidarrService
from .radarr import RadarrService
from .sonarr import SonarrService
from .state import ArrState, Clock, JellyfinState, QueueRecord, State

_LOGGER = logging.getLogger(__name__)

DEFAULT_INSTANCES: dict[str, str] = {
    "radarr": "radarr",
    "sonarr": "sonarr",
    "lidarr": "lidarr",
    "jellyfin": "jellyfin",
    "jellyseerr": "jellyseerr",
}
DEFAULT_PORTS: dict[str, int] = {
    "radarr": 7878,
    "sonarr": 8989,
    "lidarr": 8686,
    "jellyfin": 8096,
    "jellyseerr": 5055,
}
_SERVICES: dict[str, Any] = {
    "radarr": RadarrService,
    "sonarr": SonarrService,
    "lidarr": LidarrService,
    "jellyfin": JellyfinService,
    "jellyseerr": JellyseerrService,
}
_REGEX_PARAM = re.compile(r"\{(\w+):[^}]*\}")


class _Service(Protocol):
    """What server.py needs from a service module."""

    def routes(self) -> list[Route]:
        """Routes relative to the base path."""

    def authorize(self, request: web.Request) -> web.StreamResponse | None:
        """None when the credentials are right, else the refusal."""


def canonical(path: str) -> str:
    r"""`/movie/{id:\\d+}` -> `/movie/{id}`."""
    return _REGEX_PARAM.sub(r"{\1}", path)


def _normalize_base(base: str | None) -> str:
    if not base or base.strip("/") == "":
        return ""
    return "/" + base.strip("/")


class ServiceHandle:
    """One running instance: where it answers and with which key."""

    def __init__(self, sim: Simulator, ctx: ServiceContext, service: _Service) -> None:
        """Describe the instance behind `ctx`."""
        self._sim = sim
        self._ctx = ctx
        self._service = service
        self.port: int | None = None

    @property
    def name(self) -> str:
        """Instance name, such as `radarr` or `radarr4k`."""
        return self._ctx.name

    @property
    def kind(self) -> str:
        """Service kind: radarr, sonarr, lidarr, jellyfin or jellyseerr."""
        return self._ctx.kind

    @property
    def base_path(self) -> str:
        """Base path such as `/radarr`, or an empty string."""
        return self._ctx.base_path

    @property
    def url(self) -> str:
        """Base URL with the base path, without a trailing slash."""
        if self.port is None:
            raise RuntimeError("the simulator is not started")
        return f"http://{self._sim.host}:{self.port}{self._ctx.base_path}"

    @property
    def api_key(self) -> str:
        """The key the instance accepts now."""
        return self._ctx.api_key

    def routes(self) -> list[tuple[str, str]]:
        """Return (method, path template) of every API route, relative to the base path."""
        return [(r.method, canonical(r.path)) for r in self._service.routes()]

    def __repr__(self) -> str:
        """Name, kind and URL; never the key."""
        where = self.url if self.port is not None else "not started"
        return f"<ServiceHandle {self.name} ({self.kind}) {where}>"


class Simulator:
    """Simulated Radarr, Sonarr, Lidarr, Jellyfin and Jellyseerr instances."""

    def __init__(
        self,
        movies: int = 50,
        series: int = 10,
        artists: int = 5,
        seed: int = 1,
        host: str = "127.0.0.1",
        instances: Mapping[str, str] | None = None,
        ports: Mapping[str, int] | None = None,
        url_bases: Mapping[str, str] | None = None,
        api_keys: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        versions: Mapping[str, str] | None = None,
        platforms: Mapping[str, str] | None = None,
    ) -> None:
        """Generate the library; nothing listens until `start`.

        `instances` maps names to kinds (default: one of each kind, named
        after it). `ports` defaults to ephemeral ports, `api_keys` to keys
        derived from the name and the seed. `clock` lets tests move time.
        `versions` gives an instance another server version and its shapes
        (Sonarr "3.0.4.1126": a v3 server). `platforms` puts a further *arr
        instance of a kind on "linux" or "windows" (drive letters,
        backslashes); the first of a kind runs on Linux, and by default the
        seed decides for the others.
        """
        self.host = host
        self.seed = seed
        self.clock = clock or Clock()
        self._instances = dict(instances or DEFAULT_INSTANCES)
        self._ports = dict(ports or {})
        self._bases = {k: _normalize_base(v) for k, v in (url_bases or {}).items()}
        keys = dict(api_keys or {})
        self.state: State = generate(
            movies=movies,
            series=series,
            artists=artists,
            seed=seed,
            instances=self._instances,
            clock=self.clock,
            platforms=platforms or {},
        )
        self._versions = dict(versions or {})
        self.services: dict[str, ServiceHandle] = {}
        self._contexts: dict[str, ServiceContext] = {}
        self._service_objects: dict[str, _Service] = {}
        self._runners: list[web.AppRunner] = []
        for name, kind in self._instances.items():
            ctx = ServiceContext(
                name=name,
                kind=kind,
                base_path=self._bases.get(name, ""),
                api_key=keys.get(name) or api_key_for(name, seed),
                state=self.state,
                version=self._versions.get(name, ""),
            )
            service: _Service = _SERVICES[kind](ctx)
            self._contexts[name] = ctx
            self._service_objects[name] = service
            self.services[name] = ServiceHandle(self, ctx, service)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on every instance's port."""
        try:
            for name, handle in self.services.items():
                app = self._build_app(self._contexts[name], self._service_objects[name])
                # A client that gives up (a timeout under the latency fault) cancels
                # its handler, as a real server's request would end.
                runner = web.AppRunner(
                    app,
                    access_log=None,
                    handle_signals=False,
                    shutdown_timeout=1.0,
                    handler_cancellation=True,
                )
                await runner.setup()
                self._runners.append(runner)
                site = web.TCPSite(runner, self.host, self._ports.get(name, 0))
                await site.start()
                sockname = runner.addresses[0]
                handle.port = int(sockname[1])
                self._contexts[name].url = handle.url
                _LOGGER.info("%s (%s) listening on %s", name, handle.kind, handle.url)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close every server."""
        runners, self._runners = self._runners, []
        for runner in runners:
            await runner.cleanup()
        for handle in self.services.values():
            handle.port = None

    async def __aenter__(self) -> Self:
        """Start on entry."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on exit."""
        await self.stop()

    # ------------------------------------------------------------------ test API

    def _ctx(self, name: str) -> ServiceContext:
        try:
            return self._contexts[name]
        except KeyError:
            raise KeyError(f"no instance named {name!r}") from None

    def faults(self, name: str) -> Faults:
        """Return the faults of an instance (`.set(...)`, `.clear()`)."""
        return self._ctx(name).faults

    def rotate_key(self, name: str) -> str:
        """Give an instance a new API key; the old one gets refused from now on."""
        ctx = self._ctx(name)
        ctx.key_rotations += 1
        ctx.api_key = api_key_for(name, self.seed, ctx.key_rotations)
        return ctx.api_key

    def requests(self, name: str) -> list[tuple[str, str]]:
        """Return (method, path without base) of every API request received, in order."""
        return list(self._ctx(name).requests)

    def reset_requests(self, name: str | None = None) -> None:
        """Forget the request log of one instance (default: all)."""
        for key in [name] if name else list(self._contexts):
            self._ctx(key).requests.clear()

    def dump(self) -> dict[str, Any]:
        """All state as plain JSON-able data, in a stable order."""
        return self.state.dump()

    def downloads(self, name: str) -> list[list[QueueRecord]]:
        """Return the downloads in an *arr queue now, each as its records by id.

        Records sharing a download id are one download (a season pack is
        listed once per episode); downloads already imported are left out.
        """
        service = self._service_objects[self._ctx(name).name]
        if not isinstance(service, ArrService):
            raise TypeError(f"{name!r} is not an *arr instance")
        now = self.clock.now()
        groups: dict[tuple[str, str], list[QueueRecord]] = {}
        for record in service.visible_queue():
            if service.progress(record, now)[2] == "imported":
                continue
            key = (record.download_client, record.download_id)
            groups.setdefault(key, []).append(record)
        return [sorted(records, key=lambda r: r.id) for records in groups.values()]

    def _jellyfin(self, name: str) -> JellyfinState:
        service = self.state.services[self._ctx(name).name]
        if not isinstance(service, JellyfinState):
            raise TypeError(f"{name!r} is not a Jellyfin instance")
        return service

    def remove_jellyfin_user(self, name: str, user_id: str) -> None:
        """Delete a Jellyfin user: requests for it get 404 from now on."""
        if not self._jellyfin(name).remove_user(user_id):
            raise ValueError(f"{name!r} has no user {user_id!r}")

    def withhold_user_data(
        self, name: str, user_id: str, types: Sequence[str] = ()
    ) -> None:
        """Leave a Jellyfin user's `UserData` out of items of `types` (default: all)."""
        try:
            self._jellyfin(name).withhold_user_data(user_id, types)
        except KeyError:
            raise ValueError(f"{name!r} has no user {user_id!r}") from None

    def set_free_space(self, name: str, path: str, free_bytes: int) -> None:
        """Set the free space of the disk holding `path` (a root folder or mount)."""
        service = self.state.services[self._ctx(name).name]
        if not isinstance(service, ArrState):
            raise TypeError(f"{name!r} is not an *arr instance")
        try:
            service.set_free_space(path, free_bytes)
        except KeyError:
            raise ValueError(f"{name!r} has no disk holding {path!r}") from None

    # ------------------------------------------------------------------ app

    def _build_app(self, ctx: ServiceContext, service: _Service) -> web.Application:
        public: set[web.AbstractRoute] = set()
        app = web.Application(
            middlewares=[fault_middleware(ctx), _auth_middleware(ctx, service, public)]
        )
        base = ctx.base_path
        for route in service.routes():
            added = app.router.add_route(route.method, base + route.path, route.handler)
            if route.public:
                public.add(added)
        if isinstance(service, ArrService):
            add_cover_routes(app, base, service)
        prefixes = [CONTROL_PREFIX, base + CONTROL_PREFIX] if base else [CONTROL_PREFIX]
        for prefix in prefixes:
            self._add_control_routes(app, prefix, ctx)
        return app

    def _add_control_routes(
        self, app: web.Application, prefix: str, ctx: ServiceContext
    ) -> None:
        name = ctx.name

        async def post_fault(request: web.Request) -> web.StreamResponse:
            body = await read_json(request)
            if not isinstance(body, dict):
                return json_response({"error": "a JSON object is required"}, status=400)
            try:
                ctx.faults.update(body)
            except (TypeError, ValueError) as err:
                return json_response({"error": str(err)}, status=400)
            return json_response({"faults": ctx.faults.as_dict()})

        async def get_fault(request: web.Request) -> web.StreamResponse:
            return json_response({"faults": ctx.faults.as_dict()})

        async def delete_fault(request: web.Request) -> web.StreamResponse:
            ctx.faults.clear()
            return json_response({"faults": ctx.faults.as_dict()})

        async def rotate(request: web.Request) -> web.StreamResponse:
            return json_response({"api_key": self.rotate_key(name)})

        async def dump(request: web.Request) -> web.StreamResponse:
            return json_response(self.dump())

        async def free_space(request: web.Request) -> web.StreamResponse:
            body = await read_json(request)
            path = body.get("path") if isinstance(body, dict) else None
            free = body.get("free_space") if isinstance(body, dict) else None
            if (
                not isinstance(path, str)
                or not isinstance(free, int)
                or isinstance(free, bool)
            ):
                return json_response(
                    {"error": "path (string) and free_space (integer) are required"},
                    status=400,
                )
            try:
                self.set_free_space(name, path, free)
            except (TypeError, ValueError) as err:
                return json_response({"error": str(err)}, status=404)
            return json_response({"path": path, "free_space": free})

        async def delete_user(request: web.Request) -> web.StreamResponse:
            try:
                self.remove_jellyfin_user(name, request.match_info["user_id"])
            except TypeError as err:
                return json_response({"error": str(err)}, status=400)
            except ValueError as err:
                return json_response({"error": str(err)}, status=404)
            return json_response({"removed": request.match_info["user_id"]})

        async def withhold(request: web.Request) -> web.StreamResponse:
            body = await read_json(request)
            user_id = body.get("user_id") if isinstance(body, dict) else None
            types = body.get("types", []) if isinstance(body, dict) else None
            if (
                not isinstance(user_id, str)
                or not isinstance(types, list)
                or not all(isinstance(t, str) for t in types)
            ):
                return json_response(
                    {
                        "error": "user_id (string) and types (list of strings) are required"
                    },
                    status=400,
                )
            try:
                self.withhold_user_data(name, user_id, types)
            except TypeError as err:
                return json_response({"error": str(err)}, status=400)
            except ValueError as err:
                return json_response({"error": str(err)}, status=404)
            return json_response({"user_id": user_id, "types": types})

        async def get_requests(request: web.Request) -> web.StreamResponse:
            return json_response({"requests": [list(r) for r in self.requests(name)]})

        async def delete_requests(request: web.Request) -> web.StreamResponse:
            self.reset_requests(name)
            return json_response({"requests": []})

        async def clock(request: web.Request) -> web.StreamResponse:
            body = await read_json(request)
            seconds = body.get("advance") if isinstance(body, dict) else None
            if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                return json_response(
                    {"error": "advance (seconds) is required"}, status=400
                )
            self.clock.advance(float(seconds))
            return json_response({"now": self.clock.now().isoformat()})

        router = app.router
        router.add_post(f"{prefix}/fault", post_fault)
        router.add_get(f"{prefix}/fault", get_fault)
        router.add_delete(f"{prefix}/fault", delete_fault)
        router.add_post(f"{prefix}/rotate-key", rotate)
        router.add_get(f"{prefix}/dump", dump)
        router.add_post(f"{prefix}/free-space", free_space)
        router.add_get(f"{prefix}/requests", get_requests)
        router.add_delete(f"{prefix}/requests", delete_requests)
        router.add_post(f"{prefix}/clock", clock)
        router.add_delete(f"{prefix}/users/{{user_id}}", delete_user)
        router.add_post(f"{prefix}/withhold-user-data", withhold)
        router.add_get(f"{prefix}/tmdb-images/t/p/{{size}}/{{file}}", tmdb_image)


def _auth_middleware(
    ctx: ServiceContext, service: _Service, public: set[web.AbstractRoute]
) -> Any:
    """Refuse API requests without the right key (control paths are open)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if is_control(ctx, request.path):
            return await handler(request)
        route = request.match_info.route
        if request.match_info.http_exception is None:
            needs_key = route not in public
        else:
            # Unknown paths: the *arr guard all of /api, the others answer 404.
            needs_key = ctx.kind in ("radarr", "sonarr", "lidarr") and relative_path(
                ctx, request.path
            ).startswith("/api/")
        if needs_key:
            refusal = service.authorize(request)
            if refusal is not None:
                return refusal
        return await handler(request)

    return middleware

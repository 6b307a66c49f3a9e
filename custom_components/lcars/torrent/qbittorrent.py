"""qBittorrent as LCARS's BitTorrent backend, through its Web API v2.

Works with qBittorrent 4.1 and later. qBittorrent 5 renamed pausing to
stopping (Web API 2.11): the version is asked once at start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
import time
from typing import Any

import aiohttp

from .backend import (
    REQUEST_TIMEOUT,
    ClientSettings,
    EventCallback,
    PollingBackend,
    normalize_url,
    status_ratio,
)
from .errors import (
    BackendAuthError,
    BackendConnectionError,
    BackendResponseError,
    InvalidTorrentError,
)
from .models import TorrentState, TorrentStatus
from .redact import redact

_LOGGER = logging.getLogger(__name__)

API = "/api/v2"
# The Web API version from which pause and resume are called stop and start.
STOP_START_API = (2, 11)
# qBittorrent's "infinity" for an ETA.
ETA_UNKNOWN = 8640000

_STATES: dict[str, TorrentState] = {
    "error": TorrentState.ERROR,
    "missingFiles": TorrentState.ERROR,
    "pausedUP": TorrentState.PAUSED,
    "pausedDL": TorrentState.PAUSED,
    "stoppedUP": TorrentState.PAUSED,
    "stoppedDL": TorrentState.PAUSED,
    "metaDL": TorrentState.DOWNLOADING_METADATA,
    "forcedMetaDL": TorrentState.DOWNLOADING_METADATA,
    "downloading": TorrentState.DOWNLOADING,
    "stalledDL": TorrentState.DOWNLOADING,
    "forcedDL": TorrentState.DOWNLOADING,
    "queuedDL": TorrentState.DOWNLOADING,
    "uploading": TorrentState.SEEDING,
    "stalledUP": TorrentState.SEEDING,
    "forcedUP": TorrentState.SEEDING,
    "queuedUP": TorrentState.SEEDING,
}

# States in which qBittorrent's session counts seeding time (queued does not).
_SEEDING_ACTIVE = frozenset({"uploading", "stalledUP", "forcedUP"})

_ERRORS = {
    "error": "qBittorrent reports an error (see its log)",
    "missingFiles": "the torrent's files are missing",
}


class _SeedingClock:
    """Seeding time that keeps counting while qBittorrent's figure stands still.

    qBittorrent refreshes a torrent's status only when something about it
    changes, so an idle seeding torrent reports the same seeding_time for as
    long as nobody connects: a time limit would never be reached. Between two
    polls that both see it actively seeding, the time that passed is added;
    the client's own figure wins whenever it is larger.
    """

    def __init__(self) -> None:
        # info hash -> (monotonic time of the last poll seeing it seed, or
        # None when it was not seeding then; seconds counted by then)
        self._seen: dict[str, tuple[float | None, float]] = {}

    def seconds(self, info_hash: str, reported: int, seeding: bool) -> int:
        """Return the seeding seconds of a torrent at this poll."""
        now = time.monotonic()
        since, counted = self._seen.get(info_hash, (None, 0.0))
        if seeding and since is not None:
            counted += now - since
        counted = max(counted, float(reported))
        self._seen[info_hash] = (now if seeding else None, counted)
        return int(counted)

    def keep_only(self, info_hashes: set[str]) -> None:
        """Forget torrents no longer in the client."""
        for key in self._seen.keys() - info_hashes:
            del self._seen[key]


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        return ()


class QBittorrentBackend(PollingBackend):
    """Downloads and seeds through a qBittorrent client's Web API."""

    client_name = "qBittorrent"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        username: str,
        password: str,
        *,
        settings: ClientSettings,
        on_event: EventCallback,
        poll_interval: float = 1.0,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        """Prepare the backend for the Web UI at url (with any base path)."""
        super().__init__(settings, on_event, poll_interval=poll_interval)
        self.url = normalize_url(url, self.client_name)
        self._http = session
        self._username = username
        self._password = password
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._sid: str | None = None
        self._login_lock = asyncio.Lock()
        self.api_version: tuple[int, ...] = ()
        self._seeding_clock = _SeedingClock()

    def __repr__(self) -> str:
        """Name the client without its credentials."""
        return f"QBittorrentBackend({self.url!r})"

    # Web API

    async def _connect(self) -> None:
        await self._login()
        self.api_version = _version(await self._text("GET", "/app/webapiVersion"))
        _LOGGER.debug("qBittorrent Web API %s", self.api_version)

    async def _disconnect(self) -> None:
        if self._sid is not None:
            await self._text("POST", "/auth/logout", retry=False)
            self._sid = None

    async def _login(self) -> None:
        stale = self._sid
        async with self._login_lock:
            if self._sid != stale:
                # Another request logged in meanwhile.
                return
            self._sid = None
            if not self._username and not self._password:
                # Authentication switched off for this address.
                return
            form = {"username": self._username, "password": self._password}
            response = await self._send("POST", "/auth/login", data=form)
            async with response:
                text = await self._read(response)
                if response.status == 403:
                    raise BackendAuthError(
                        "qBittorrent refuses to log in from this address after "
                        "too many failed attempts"
                    )
                self._check_status(response)
                cookie = response.cookies.get("SID")
                if text.strip() != "Ok." or cookie is None:
                    raise BackendAuthError(
                        "qBittorrent refused the username or password"
                    )
                self._sid = cookie.value

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: Any = None,
    ) -> aiohttp.ClientResponse:
        headers = {"Cookie": f"SID={self._sid}"} if self._sid is not None else {}
        try:
            return await self._http.request(
                method,
                f"{self.url}{API}{path}",
                params=params,
                data=data,
                headers=headers,
                timeout=self._timeout,
                # The session cookie is sent by hand: a shared cookie jar
                # would mix clients, and refuses cookies of IP addresses.
                cookies=None,
                allow_redirects=False,
            )
        except TimeoutError as err:
            raise BackendConnectionError(
                f"cannot connect to qBittorrent at {self.url}: timed out"
            ) from err
        except aiohttp.ClientError as err:
            raise BackendConnectionError(
                f"cannot connect to qBittorrent at {self.url}: {type(err).__name__}"
            ) from err

    async def _read(self, response: aiohttp.ClientResponse) -> str:
        try:
            return await response.text()
        except (TimeoutError, aiohttp.ClientError) as err:
            raise BackendConnectionError(
                f"qBittorrent at {self.url} stopped answering: {type(err).__name__}"
            ) from err

    def _check_status(self, response: aiohttp.ClientResponse) -> None:
        if response.status >= 500:
            raise BackendConnectionError(
                f"qBittorrent at {self.url} answered HTTP {response.status}"
            )
        if response.status >= 300:
            raise BackendResponseError(
                f"qBittorrent at {self.url} answered HTTP {response.status} "
                f"to {response.url.path}"
            )

    async def _text(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        data: Any = None,
        retry: bool = True,
    ) -> str:
        """Make one request; log in again once when the session expired.

        A form is passed as a function making it: a form can be sent once.
        """
        body = data() if callable(data) else data
        response = await self._send(method, path, params=params, data=body)
        async with response:
            text = await self._read(response)
            if response.status == 403 and retry:
                expired = True
            else:
                expired = False
                if response.status == 403:
                    raise BackendAuthError("qBittorrent refused the session")
                self._check_status(response)
        if not expired:
            return text
        await self._login()
        return await self._text(method, path, params=params, data=data, retry=False)

    async def _json(self, path: str, params: dict[str, str]) -> Any:
        text = await self._text("GET", path, params=params)
        try:
            return json.loads(text)
        except ValueError as err:
            raise BackendResponseError(
                f"qBittorrent at {self.url} answered {path} with invalid JSON"
            ) from err

    # Torrents

    async def _fetch(self, info_hash: str | None = None) -> list[TorrentStatus]:
        params = {} if info_hash is None else {"hashes": info_hash}
        raw = await self._json("/torrents/info", params)
        if not isinstance(raw, list):
            raise BackendResponseError("qBittorrent's torrent list is not a list")
        try:
            statuses = [self._convert(item) for item in raw]
        except (KeyError, TypeError, ValueError) as err:
            raise BackendResponseError(
                f"unexpected torrent in qBittorrent's list: {err!r}"
            ) from err
        if info_hash is None:
            self._seeding_clock.keep_only({status.info_hash for status in statuses})
        return statuses

    def _add_form(self, save_path: Path | None) -> aiohttp.FormData:
        form = aiohttp.FormData()
        if save_path is not None:
            form.add_field("savepath", str(save_path))
        # Where the files go is LCARS's choice, not a category's.
        form.add_field("autoTMM", "false")
        form.add_field("paused", "false")
        form.add_field("stopped", "false")
        # Files land as the torrent names them, as with the engine.
        form.add_field("contentLayout", "Original")
        return form

    async def _add(self, form: Callable[[], aiohttp.FormData]) -> None:
        text = await self._text("POST", "/torrents/add", data=form)
        if text.strip() == "Fails.":
            raise InvalidTorrentError("qBittorrent refused the torrent")

    async def _add_magnet(self, uri: str, save_path: Path | None) -> None:
        def form() -> aiohttp.FormData:
            made = self._add_form(save_path)
            made.add_field("urls", uri)
            return made

        await self._add(form)

    async def _add_data(self, data: bytes, save_path: Path | None) -> None:
        def form() -> aiohttp.FormData:
            made = self._add_form(save_path)
            made.add_field(
                "torrents",
                data,
                filename="added.torrent",
                content_type="application/x-bittorrent",
            )
            return made

        await self._add(form)

    async def _prepare(self, info_hash: str) -> None:
        # LCARS enforces the seeding limits: qBittorrent's own must not
        # stop the torrent first.
        try:
            await self._text(
                "POST",
                "/torrents/setShareLimits",
                data={
                    "hashes": info_hash,
                    "ratioLimit": "-1",
                    "seedingTimeLimit": "-1",
                    "inactiveSeedingTimeLimit": "-1",
                },
            )
        except BackendResponseError as err:
            _LOGGER.debug(
                "Cannot switch off qBittorrent's limits: %s", redact(str(err))
            )

    @property
    def _stop_start(self) -> bool:
        return self.api_version >= STOP_START_API

    async def _pause(self, info_hash: str) -> None:
        path = "/torrents/stop" if self._stop_start else "/torrents/pause"
        await self._text("POST", path, data={"hashes": info_hash})

    async def _resume(self, info_hash: str) -> None:
        path = "/torrents/start" if self._stop_start else "/torrents/resume"
        await self._text("POST", path, data={"hashes": info_hash})

    async def _remove(self, info_hash: str, delete_files: bool) -> None:
        await self._text(
            "POST",
            "/torrents/delete",
            data={
                "hashes": info_hash,
                "deleteFiles": "true" if delete_files else "false",
            },
        )

    def _convert(self, item: dict[str, Any]) -> TorrentStatus:
        """Turn one entry of /torrents/info into a status."""
        raw_state = str(item["state"])
        state = _STATES.get(raw_state, TorrentState.CHECKING)
        info_hash = str(item["hash"]).lower()
        size = max(int(item.get("size", 0)), 0)
        uploaded = int(item.get("uploaded", 0))
        eta = int(item.get("eta", ETA_UNKNOWN))
        added_on = int(item.get("added_on", 0))
        save_path = str(item.get("save_path", ""))
        if len(save_path) > 1:
            save_path = save_path.rstrip("/\\")
        return TorrentStatus(
            info_hash=info_hash,
            name=str(item.get("name", "")),
            save_path=save_path,
            state=state,
            # The fraction as sent, 0.29 rather than 0.28999999999999998.
            progress=round(float(item.get("progress", 0.0)) * 100, 10),
            download_rate=int(item.get("dlspeed", 0)),
            upload_rate=int(item.get("upspeed", 0)),
            total_downloaded=int(item.get("downloaded", 0)),
            total_uploaded=uploaded,
            session_downloaded=int(item.get("downloaded_session", 0)),
            session_uploaded=int(item.get("uploaded_session", 0)),
            size=size,
            ratio=status_ratio(uploaded, size),
            peers=int(item.get("num_seeds", 0)) + int(item.get("num_leechs", 0)),
            eta_seconds=(
                eta
                if state is TorrentState.DOWNLOADING and 0 < eta < ETA_UNKNOWN
                else None
            ),
            seeding_seconds=self._seeding_clock.seconds(
                info_hash,
                int(item.get("seeding_time", 0)),
                raw_state in _SEEDING_ACTIVE,
            ),
            added=datetime.fromtimestamp(added_on, UTC) if added_on > 0 else None,
            error=_ERRORS.get(raw_state),
            has_metadata=int(item.get("total_size", -1)) > 0,
            need_save_resume=False,
        )

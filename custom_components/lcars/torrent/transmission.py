"""Transmission as LCARS's BitTorrent backend, through its JSON RPC.

Transmission guards its RPC against cross-site requests: the first call is
answered 409 with an X-Transmission-Session-Id header that every later call
must carry, and a new one is handed out the same way when it changes.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
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
    DuplicateTorrentError,
    EngineError,
    InvalidTorrentError,
)
from .models import TorrentState, TorrentStatus

_LOGGER = logging.getLogger(__name__)

RPC_PATH = "/transmission/rpc"
SESSION_HEADER = "X-Transmission-Session-Id"

# tr_torrent_activity
_STOPPED, _CHECK_WAIT, _CHECK, _DOWNLOAD_WAIT, _DOWNLOAD, _SEED_WAIT, _SEED = range(7)
# tr_stat_errtype: 1 and 2 are tracker troubles, which do not stop a torrent.
_LOCAL_ERROR = 3
# tr_ratiolimit / tr_idlelimit: ignore the session's global limit.
_UNLIMITED = 2

FIELDS = [
    "hashString",
    "name",
    "downloadDir",
    "status",
    "percentDone",
    "rateDownload",
    "rateUpload",
    "downloadedEver",
    "uploadedEver",
    "sizeWhenDone",
    "peersConnected",
    "eta",
    "secondsSeeding",
    "addedDate",
    "error",
    "errorString",
    "metadataPercentComplete",
]


class TransmissionBackend(PollingBackend):
    """Downloads and seeds through a Transmission daemon's RPC."""

    client_name = "Transmission"

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
        """Prepare the backend; url is the web interface or the RPC address."""
        super().__init__(settings, on_event, poll_interval=poll_interval)
        url = normalize_url(url, self.client_name)
        if not url.endswith("/rpc"):
            url = f"{url}{RPC_PATH}"
        self.url = url
        self._http = session
        self._auth = (
            aiohttp.BasicAuth(username, password) if username or password else None
        )
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session_id: str | None = None
        # Byte counts when first seen: Transmission counts only lifetimes.
        self._baselines: dict[str, tuple[int, int]] = {}
        self.version: str | None = None

    def __repr__(self) -> str:
        """Name the client without its credentials."""
        return f"TransmissionBackend({self.url!r})"

    # RPC

    async def _call(self, method: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Make one RPC call; return its arguments, raising on any failure."""
        body = json.dumps({"method": method, "arguments": arguments})
        # The second try carries the session id the first 409 handed out.
        for _attempt in range(2):
            headers = {"Content-Type": "application/json"}
            if self._session_id is not None:
                headers[SESSION_HEADER] = self._session_id
            try:
                async with self._http.post(
                    self.url,
                    data=body,
                    headers=headers,
                    auth=self._auth,
                    timeout=self._timeout,
                    allow_redirects=False,
                ) as response:
                    if response.status == 409:
                        self._session_id = response.headers.get(SESSION_HEADER)
                        continue
                    self._check_status(response)
                    text = await response.text()
            except TimeoutError as err:
                raise BackendConnectionError(
                    f"cannot connect to Transmission at {self.url}: timed out"
                ) from err
            except aiohttp.ClientError as err:
                raise BackendConnectionError(
                    f"cannot connect to Transmission at {self.url}: "
                    f"{type(err).__name__}"
                ) from err
            return self._parse(method, text)
        raise BackendResponseError(
            f"Transmission at {self.url} keeps refusing its own session id"
        )

    def _check_status(self, response: aiohttp.ClientResponse) -> None:
        if response.status == 401:
            raise BackendAuthError("Transmission refused the username or password")
        if response.status == 403:
            raise BackendAuthError(
                "Transmission refuses this address (see its rpc-whitelist)"
            )
        if response.status >= 500:
            raise BackendConnectionError(
                f"Transmission at {self.url} answered HTTP {response.status}"
            )
        if response.status >= 300:
            raise BackendResponseError(
                f"Transmission at {self.url} answered HTTP {response.status}"
            )

    def _parse(self, method: str, text: str) -> dict[str, Any]:
        try:
            reply = json.loads(text)
        except ValueError as err:
            raise BackendResponseError(
                f"Transmission at {self.url} answered {method} with invalid JSON"
            ) from err
        if not isinstance(reply, dict):
            raise BackendResponseError(f"unexpected answer to {method}")
        result = reply.get("result")
        if result != "success":
            if method == "torrent-add":
                raise InvalidTorrentError(f"Transmission refused the torrent: {result}")
            raise EngineError(f"Transmission refused {method}: {result}")
        arguments = reply.get("arguments", {})
        if not isinstance(arguments, dict):
            raise BackendResponseError(f"unexpected answer to {method}")
        return arguments

    # Life cycle

    async def _connect(self) -> None:
        arguments = await self._call("session-get", {"fields": ["version"]})
        self.version = str(arguments.get("version", "")) or None
        _LOGGER.debug("Transmission %s", self.version)

    async def _disconnect(self) -> None:
        self._session_id = None
        self._baselines.clear()

    # Torrents

    async def _fetch(self, info_hash: str | None = None) -> list[TorrentStatus]:
        arguments: dict[str, Any] = {"fields": FIELDS}
        if info_hash is not None:
            arguments["ids"] = [info_hash]
        reply = await self._call("torrent-get", arguments)
        raw = reply.get("torrents")
        if not isinstance(raw, list):
            raise BackendResponseError("Transmission's torrent list is not a list")
        try:
            statuses = [self._convert(item) for item in raw]
        except (KeyError, TypeError, ValueError) as err:
            raise BackendResponseError(
                f"unexpected torrent in Transmission's list: {err!r}"
            ) from err
        if info_hash is None:
            listed = {status.info_hash for status in statuses}
            for key in [key for key in self._baselines if key not in listed]:
                del self._baselines[key]
        return statuses

    async def _add(self, arguments: dict[str, Any], save_path: Path | None) -> None:
        if save_path is not None:
            arguments["download-dir"] = str(save_path)
        arguments["paused"] = False
        reply = await self._call("torrent-add", arguments)
        if "torrent-duplicate" in reply:
            raise DuplicateTorrentError(
                "cannot add torrent: it is already in Transmission"
            )

    async def _add_magnet(self, uri: str, save_path: Path | None) -> None:
        await self._add({"filename": uri}, save_path)

    async def _add_data(self, data: bytes, save_path: Path | None) -> None:
        await self._add({"metainfo": base64.b64encode(data).decode()}, save_path)

    async def _prepare(self, info_hash: str) -> None:
        # LCARS enforces the seeding limits: Transmission's own must not stop
        # the torrent first.
        await self._call(
            "torrent-set",
            {
                "ids": [info_hash],
                "seedRatioMode": _UNLIMITED,
                "seedIdleMode": _UNLIMITED,
            },
        )

    async def _pause(self, info_hash: str) -> None:
        await self._call("torrent-stop", {"ids": [info_hash]})

    async def _resume(self, info_hash: str) -> None:
        await self._call("torrent-start", {"ids": [info_hash]})

    async def _remove(self, info_hash: str, delete_files: bool) -> None:
        await self._call(
            "torrent-remove", {"ids": [info_hash], "delete-local-data": delete_files}
        )
        self._baselines.pop(info_hash, None)

    def _convert(self, item: dict[str, Any]) -> TorrentStatus:
        """Turn one torrent of torrent-get into a status."""
        key = str(item["hashString"]).lower()
        activity = int(item["status"])
        has_metadata = float(item.get("metadataPercentComplete", 1.0)) >= 1.0
        error = str(item.get("errorString") or "") or None
        state: TorrentState
        if int(item.get("error", 0)) == _LOCAL_ERROR:
            state = TorrentState.ERROR
        elif activity == _STOPPED:
            state = TorrentState.PAUSED
        elif activity in (_CHECK_WAIT, _CHECK):
            state = TorrentState.CHECKING
        elif activity in (_DOWNLOAD_WAIT, _DOWNLOAD):
            state = (
                TorrentState.DOWNLOADING
                if has_metadata
                else TorrentState.DOWNLOADING_METADATA
            )
        else:
            state = TorrentState.SEEDING
        if state is not TorrentState.ERROR:
            error = None
        downloaded = int(item.get("downloadedEver", 0))
        uploaded = int(item.get("uploadedEver", 0))
        base_down, base_up = self._baselines.setdefault(key, (downloaded, uploaded))
        size = int(item.get("sizeWhenDone", 0))
        eta = int(item.get("eta", -1))
        added_date = int(item.get("addedDate", 0))
        return TorrentStatus(
            info_hash=key,
            name=str(item.get("name", "")),
            save_path=str(item.get("downloadDir", "")),
            state=state,
            # The fraction as sent, 0.29 rather than 0.28999999999999998.
            progress=round(float(item.get("percentDone", 0.0)) * 100, 10),
            download_rate=int(item.get("rateDownload", 0)),
            upload_rate=int(item.get("rateUpload", 0)),
            total_downloaded=downloaded,
            total_uploaded=uploaded,
            session_downloaded=max(downloaded - base_down, 0),
            session_uploaded=max(uploaded - base_up, 0),
            size=size,
            ratio=status_ratio(uploaded, size),
            peers=int(item.get("peersConnected", 0)),
            eta_seconds=eta if state is TorrentState.DOWNLOADING and eta > 0 else None,
            seeding_seconds=int(item.get("secondsSeeding", 0)),
            added=(datetime.fromtimestamp(added_date, UTC) if added_date > 0 else None),
            error=error,
            has_metadata=has_metadata,
            need_save_resume=False,
        )

"""Who may do what with LCARS, and where it may write.

Home Assistant lets every signed-in user call every action and control every
entity. LCARS keeps to administrators whatever deletes media or makes a
deletion possible, and choosing where downloads go. A call without a user
comes from an automation or a script, which only an administrator can write,
and keeps working.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized

from .actions.fields import MAX_PATH_LENGTH
from .const import DOMAIN

ADMIN_REQUIRED: Final = "admin_required"
# The folder Home Assistant serves to anyone, without signing in, as /local.
SERVED_FOLDER: Final = "www"


class AdminRequiredError(Unauthorized, ServiceValidationError):
    """Only an administrator may do what the call asked for.

    As an `Unauthorized`, the REST API answers it with 401. As a translated
    `ServiceValidationError`, the websocket API and the frontend show its
    message in the user's language, and Home Assistant logs it without a
    traceback (an `Unauthorized` alone reaches the websocket caller as the
    untranslated word "Unauthorized", logged as an unexpected exception).
    """

    def __init__(self, context: Context | None, key: str = ADMIN_REQUIRED) -> None:
        """Refuse the call of `context` with the message of `key`."""
        Unauthorized.__init__(self, context=context, permission=POLICY_CONTROL)
        ServiceValidationError.__init__(
            self, translation_domain=DOMAIN, translation_key=key
        )


async def async_is_admin(hass: HomeAssistant, context: Context | None) -> bool:
    """Whether the caller may do what only administrators may do.

    A call without a user is an automation's or a script's. A user must be
    known, active and an administrator; system users (the Supervisor) are
    judged by their groups like everyone else.
    """
    if context is None or context.user_id is None:
        return True
    user = await hass.auth.async_get_user(context.user_id)
    return user is not None and user.is_active and user.is_admin


async def async_require_admin(
    hass: HomeAssistant, context: Context | None, key: str = ADMIN_REQUIRED
) -> None:
    """Refuse, with the translated message of `key`, a caller who is not an admin."""
    if not await async_is_admin(hass, context):
        raise AdminRequiredError(context, key)


class PathNotAllowedError(Exception):
    """A path LCARS may not use; `served` when Home Assistant serves it over HTTP."""

    def __init__(self, *, served: bool = False) -> None:
        """Say whether the path is refused for being served over HTTP."""
        super().__init__("served over HTTP" if served else "not allowed")
        self.served = served


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def served_over_http(hass: HomeAssistant, path: Path) -> bool:
    """Whether a folder is, holds or lies in the one Home Assistant serves to anyone.

    That is `<config>/www`, served as /local without signing in. A folder
    holding it counts: a torrent named www saved there would land in it.
    Symlinks and `..` are resolved first. Blocking: run it in the executor.
    """
    resolved = path.resolve()
    served = Path(hass.config.path(SERVED_FOLDER)).resolve()
    return _within(resolved, served) or _within(served, resolved)


def check_path(hass: HomeAssistant, value: str, *, write: bool) -> Path:
    """Return the absolute path Home Assistant may use, or raise PathNotAllowedError.

    It must lie in `allowlist_external_dirs`. A folder to write to must also
    not be served over HTTP (see served_over_http), even when it is
    allowlisted, as `<config>/www` is by default.

    Blocking (it reads the file system): run it in the executor.
    """
    text = value.strip()
    if not text or len(text) > MAX_PATH_LENGTH or "\0" in text:
        raise PathNotAllowedError
    path = Path(text)
    if not path.is_absolute():
        raise PathNotAllowedError
    try:
        if not hass.config.is_allowed_path(text):
            raise PathNotAllowedError
        if write and served_over_http(hass, path):
            raise PathNotAllowedError(served=True)
    except (OSError, ValueError, RuntimeError) as err:
        # A name too long for the file system, a loop of symlinks.
        raise PathNotAllowedError from err
    return path


async def async_check_path(hass: HomeAssistant, value: str, *, write: bool) -> Path:
    """Check a path in the executor; see check_path."""
    return await hass.async_add_executor_job(
        lambda: check_path(hass, value, write=write)
    )

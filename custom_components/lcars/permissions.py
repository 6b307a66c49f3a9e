"""Who may do what with LCARS.

Home Assistant lets every signed-in user call every action and control every
entity. LCARS keeps to administrators whatever deletes media or makes a
deletion possible. A call without a user
comes from an automation or a script, which only an administrator can write,
and keeps working.
"""

from __future__ import annotations

from typing import Final

from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized

from .const import DOMAIN

ADMIN_REQUIRED: Final = "admin_required"


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

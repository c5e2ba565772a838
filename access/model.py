"""Principals, roles and what each role may do (DESIGN.md "Access").

A principal is a person (a user) or a wall device. What it may *see* is its
areas (each an area and everything below it; none means nothing) and the
`personal_data` flag; what it may *do* is its role's permissions. Both are
decided here, in one table, so no view, export or callback checks a role by
itself: the guard asks `may`, the scope is narrowed by `area_scope.narrow`.
"""
from __future__ import annotations

from dataclasses import dataclass

# An area grant meaning every area of the database, several roots included (a city-level administrator).
EVERY_AREA = "*"

# Lowest first: a directory user in several groups gets the highest role among them.
ROLES = ("viewer", "leader", "analyst", "admin")

# What each role may do. viewer: the views of its areas; leader: also drill into
# child areas and share links; analyst: also exports and the API (and its own
# tokens); admin: also users, devices, tokens and the audit trail. The area
# rules hold for every role, the admin's included.
PERMISSIONS = {
    "viewer": frozenset({"views"}),
    "leader": frozenset({"views", "drill", "share"}),
    "analyst": frozenset({"views", "drill", "share", "export", "api"}),
    "admin": frozenset({"views", "drill", "share", "export", "api", "admin"}),
}
# A wall device shows the wall and nothing else: no exports, no personal data, ever.
DEVICE_PERMISSIONS = frozenset({"views"})
DEVICE_VIEW = "wall"
# The wall's panels a device may rotate through (pages/wall.WALL_VIEWS; a test keeps them equal).
WALL_PANELS = ("overview", "crowd", "workers", "tickets", "closure", "funds")


@dataclass(frozen=True)
class Principal:
    """Who is asking. kind: "user" or "device"; `id` is the store's key of that kind.

    views: for a device, the wall panels it rotates through (empty for a user).
    session_id: the server-side session a user's request came with (None for a
    device, a token or an in-process caller), so logging out can end it.
    """

    kind: str
    id: int
    name: str
    role: str
    areas: tuple[str, ...]
    personal_data: bool = False
    views: tuple[str, ...] = ()
    via: str = "session"  # session, token, device, system
    session_id: str | None = None
    # How a screen names a person (李街道); the audit trail names them by `name`, which is unique.
    display_name: str = ""

    @property
    def permissions(self) -> frozenset[str]:
        return DEVICE_PERMISSIONS if self.kind == "device" else PERMISSIONS.get(self.role, frozenset())

    def may(self, permission: str) -> bool:
        return permission in self.permissions

    def may_view(self, view_name: str) -> bool:
        """A user may open every view; a device only the wall."""
        return self.may("views") and (self.kind != "device" or view_name == DEVICE_VIEW)

    @property
    def shown_name(self) -> str:
        """How a screen names the principal to others (who acknowledged an alert): 值班领导, or the device's name."""
        return self.display_name or self.name

    @property
    def label(self) -> str:
        """How the audit trail and the header name the principal: 设备 wall-1, or the user name."""
        return f"device:{self.name}" if self.kind == "device" else self.name


def highest_role(roles) -> str | None:
    ranked = [role for role in ROLES if role in set(roles)]
    return ranked[-1] if ranked else None

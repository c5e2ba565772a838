"""The one function where the principal narrows a scope, before data_access sees it.

`narrow` turns the scope a URL asks for into the scope the principal may
have: an area inside one of the principal's areas is kept (and marked with
those areas, so `gate.in_area` bounds the rows a second time and the cache
key tells apart what two principals may see); any other area is refused
with `AreaRefused`. The API and exports answer that with a 403 naming the
area; a screen says so and shows the principal's own area instead
(`home_area`). A principal with no area gets a scope that matches no rows.
"""
from __future__ import annotations

from dataclasses import replace

from access.model import EVERY_AREA, Principal
from data_access.scope import Scope


class AreaRefused(Exception):
    """The scope's area is outside every area the principal may see."""

    def __init__(self, area_code: str):
        super().__init__(f"area {area_code or '(whole database)'} is outside your areas")
        self.area_code = area_code


def covers(principal: Principal, area_code: str) -> bool:
    """The area lies in one of the principal's areas (an area and everything below it)."""
    if EVERY_AREA in principal.areas:
        return True
    return bool(area_code) and any(area_code.startswith(code) for code in principal.areas)


def home_area(principal: Principal, root_area: str) -> str:
    """The area a screen shows when the URL names none: the city if the principal may see it, else its first area."""
    if covers(principal, root_area) or not principal.areas:
        return root_area
    return principal.areas[0]


def narrow(principal: Principal, scope: Scope) -> Scope:
    """The scope as `principal` may have it; AreaRefused when its area is outside the principal's areas.

    A principal with no areas is not refused (there is nothing to offer
    instead): its scope keeps the area and matches nothing.
    """
    if principal.areas and not covers(principal, scope.area_code):
        raise AreaRefused(scope.area_code)
    # A viewer (and a wall device) sees its own areas as given; going below them is drilling, a leader's act.
    if principal.areas and not principal.may("drill") and scope.area_code not in principal.areas \
            and EVERY_AREA not in principal.areas:
        raise AreaRefused(scope.area_code)
    # Every area: nothing to narrow (None), so the answers are those anyone else with every area gets.
    permitted = None if EVERY_AREA in principal.areas else principal.areas
    return replace(scope, permitted_areas=permitted, personal_data=principal.personal_data)

"""The service's roles (``design/service.md``, "who may do what") and how users read them.

Kept apart from the account tables so that the command line can name the roles without
loading SQLAlchemy (every ``planner`` command imports the service's command definitions).
"""

from __future__ import annotations

from enum import StrEnum

from planner.i18n import N_


class Role(StrEnum):
    """The roles of ``design/service.md`` ("who may do what")."""

    SAO_ADMIN = "sao_admin"
    SAO_STAFF = "sao_staff"
    COLLEGE = "college"
    VIEWER = "viewer"


ROLE_LABELS: dict[Role, str] = {
    Role.SAO_ADMIN: N_("SAO administrator"),
    Role.SAO_STAFF: N_("SAO staff"),
    Role.COLLEGE: N_("College secretary"),
    Role.VIEWER: N_("Viewer"),
}
"""Each role as users read it (catalogue msgids; translate where shown)."""

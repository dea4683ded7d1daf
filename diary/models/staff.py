"""Study staff accounts and the sites each may see."""

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from diary.models.account import SignInMixin
from diary.models.base import Base, UTCDateTime, enum_column
from diary.models.site import Site


class StaffRole(enum.StrEnum):
    COORDINATOR = "coordinator"
    INVESTIGATOR = "investigator"
    ADMIN = "admin"


staff_site = Table(
    "staff_site",
    Base.metadata,
    Column("staff_id", ForeignKey("staff_user.id"), primary_key=True),
    Column("site_id", ForeignKey("site.id"), primary_key=True),
)


ALL_SITES_ROLES = (StaffRole.INVESTIGATOR, StaffRole.ADMIN)


class SiteReach:
    """Which sites a staff member with a `role` may see."""

    __slots__ = ()

    @property
    def sees_all_sites(self) -> bool:
        """Investigators and admins see every site; coordinators only their own."""
        return self.role in ALL_SITES_ROLES


class StaffUser(SignInMixin, SiteReach, Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, "staff_role"))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sites: Mapped[list[Site]] = relationship(secondary=staff_site)

    kind = "staff"


StaffUser.is_active = property(lambda self: self.active)

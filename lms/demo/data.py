"""Demo content: one city's org tree and about forty civil servants.

Built through the same services an admin uses, and idempotent: running it again adds
only what is missing.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.core.permissions import Role
from lms.extensions import db
from lms.org import queries as org_queries
from lms.org import services as org
from lms.org.models import (
    DUE_FROM_ASSIGNMENT,
    ManagerUnit,
    OrgUnit,
    Position,
    PositionAssignment,
)

START = date(2025, 7, 1)  # the two-tier local government took effect

# code, kind, Vietnamese name, English name, parent code
UNITS = [
    ("HP", "city", "Thành phố Hải Phòng", "Hai Phong City", None),
    ("HP-SNV", "department", "Sở Nội vụ", "Department of Home Affairs", "HP"),
    (
        "HP-SKHCN",
        "department",
        "Sở Khoa học và Công nghệ",
        "Department of Science and Technology",
        "HP",
    ),
    ("HP-HB", "ward", "Phường Hồng Bàng", "Hong Bang Ward", "HP"),
    (
        "HP-HB-VP",
        "office",
        "Văn phòng HĐND và UBND phường Hồng Bàng",
        "Hong Bang Ward People's Council and Committee Office",
        "HP-HB",
    ),
    (
        "HP-HB-1C",
        "service_centre",
        "Trung tâm Phục vụ hành chính công phường Hồng Bàng",
        "Hong Bang Ward Public Administration Service Centre",
        "HP-HB",
    ),
    (
        "HP-HB-VHXH",
        "section",
        "Phòng Văn hóa - Xã hội phường Hồng Bàng",
        "Hong Bang Ward Culture and Society Section",
        "HP-HB",
    ),
    ("HP-LC", "ward", "Phường Lê Chân", "Le Chan Ward", "HP"),
    (
        "HP-LC-VP",
        "office",
        "Văn phòng HĐND và UBND phường Lê Chân",
        "Le Chan Ward People's Council and Committee Office",
        "HP-LC",
    ),
    (
        "HP-LC-1C",
        "service_centre",
        "Trung tâm Phục vụ hành chính công phường Lê Chân",
        "Le Chan Ward Public Administration Service Centre",
        "HP-LC",
    ),
    ("HP-AD", "commune", "Xã An Dương", "An Duong Commune", "HP"),
    (
        "HP-AD-VP",
        "office",
        "Văn phòng HĐND và UBND xã An Dương",
        "An Duong Commune People's Council and Committee Office",
        "HP-AD",
    ),
    (
        "HP-AD-1C",
        "service_centre",
        "Trung tâm Phục vụ hành chính công xã An Dương",
        "An Duong Commune Public Administration Service Centre",
        "HP-AD",
    ),
    (
        "HP-AD-CNS",
        "team",
        "Tổ công nghệ số cộng đồng xã An Dương",
        "An Duong Community Digital-Technology Team",
        "HP-AD",
    ),
    ("HP-KT", "commune", "Xã Kiến Thụy", "Kien Thuy Commune", "HP"),
    (
        "HP-KT-VP",
        "office",
        "Văn phòng HĐND và UBND xã Kiến Thụy",
        "Kien Thuy Commune People's Council and Committee Office",
        "HP-KT",
    ),
    (
        "HP-KT-1C",
        "service_centre",
        "Trung tâm Phục vụ hành chính công xã Kiến Thụy",
        "Kien Thuy Commune Public Administration Service Centre",
        "HP-KT",
    ),
    (
        "HP-KT-CNS",
        "team",
        "Tổ công nghệ số cộng đồng xã Kiến Thụy",
        "Kien Thuy Community Digital-Technology Team",
        "HP-KT",
    ),
]

A, T, M, L = Role.ADMIN, Role.TRAINER, Role.MANAGER, Role.LEARNER

# username, full name, roles, [(position code, unit code)], units managed
PEOPLE = [
    ("admin", "Phạm Thị Hồng Nhung", [A], [], []),
    ("trainer.hoa", "Đỗ Thị Hoa", [T, L], [("INFOSEC", "HP-SKHCN")], []),
    ("trainer.khoa", "Lê Đăng Khoa", [T], [], []),
    ("manager.city", "Trần Quốc Bảo", [M, L], [("LEADER", "HP-SNV")], ["HP"]),
    ("manager.hongbang", "Vũ Minh Tuấn", [M, L], [("LEADER", "HP-HB")], ["HP-HB"]),
    ("manager.anduong", "Bùi Thị Thu Hà", [M, L], [("LEADER", "HP-AD")], ["HP-AD"]),
    ("learner", "Nguyễn Văn An", [L], [("ONE_STOP", "HP-HB-1C")], []),
    ("ducnm", "Nguyễn Minh Đức", [L], [("ONE_STOP", "HP-HB-1C")], []),
    ("lanttp", "Trần Thị Phương Lan", [L], [("JUSTICE", "HP-HB-1C")], []),
    ("hungpv", "Phạm Văn Hùng", [L], [("OFFICE_DOC", "HP-HB-VP")], []),
    ("maihtn", "Hoàng Thị Ngọc Mai", [L], [("OFFICE_DOC", "HP-HB-VP")], []),
    ("sonlt", "Lê Thanh Sơn", [L], [("INFOSEC", "HP-HB-VP")], []),
    ("yendth", "Đặng Thị Hải Yến", [L], [("ONE_STOP", "HP-HB-VHXH")], []),
    ("chuongnv", "Ngô Văn Chương", [M, L], [("LEADER", "HP-LC")], ["HP-LC"]),
    ("thaont", "Nguyễn Thu Thảo", [L], [("ONE_STOP", "HP-LC-1C")], []),
    ("quandh", "Đỗ Hồng Quân", [L], [("ONE_STOP", "HP-LC-1C"), ("JUSTICE", "HP-LC-1C")], []),
    ("trangvt", "Vũ Thị Trang", [L], [("OFFICE_DOC", "HP-LC-VP")], []),
    ("namph", "Phạm Hoài Nam", [L], [("INFOSEC", "HP-LC-VP")], []),
    ("giangbt", "Bùi Trường Giang", [L], [("LEADER", "HP-LC")], []),
    ("longnh", "Nguyễn Hải Long", [L], [("ONE_STOP", "HP-AD-1C")], []),
    ("hanhtt", "Trần Thị Hạnh", [L], [("JUSTICE", "HP-AD-1C")], []),
    ("binhlv", "Lê Văn Bình", [L], [("OFFICE_DOC", "HP-AD-VP")], []),
    ("chilm", "Lương Mai Chi", [L], [("INFOSEC", "HP-AD-VP")], []),
    ("dungtv", "Tạ Văn Dũng", [L], [("COMMUNITY_DT", "HP-AD-CNS")], []),
    ("phuongnt", "Nguyễn Thị Phượng", [L], [("COMMUNITY_DT", "HP-AD-CNS")], []),
    ("vietdq", "Đinh Quốc Việt", [L], [("COMMUNITY_DT", "HP-AD-CNS")], []),
    ("tamhm", "Hà Minh Tâm", [L], [("LEADER", "HP-AD")], []),
    ("kienpt", "Phan Trung Kiên", [M, L], [("LEADER", "HP-KT")], ["HP-KT"]),
    ("ngocdtb", "Đào Thị Bích Ngọc", [L], [("ONE_STOP", "HP-KT-1C")], []),
    ("thuannv", "Nguyễn Văn Thuận", [L], [("JUSTICE", "HP-KT-1C")], []),
    ("oanhlt", "Lý Thị Oanh", [L], [("OFFICE_DOC", "HP-KT-VP")], []),
    ("hieutd", "Trịnh Đình Hiếu", [L], [("INFOSEC", "HP-KT-VP")], []),
    ("lienvt", "Võ Thị Liên", [L], [("COMMUNITY_DT", "HP-KT-CNS")], []),
    ("toanng", "Nguyễn Gia Toàn", [L], [("COMMUNITY_DT", "HP-KT-CNS")], []),
    ("huyenct", "Cao Thị Huyền", [L], [("OFFICE_DOC", "HP-SNV")], []),
    ("datnt", "Nguyễn Tiến Đạt", [L], [("INFOSEC", "HP-SNV")], []),
    ("linhpk", "Phạm Khánh Linh", [L], [("INFOSEC", "HP-SKHCN")], []),
    ("quynhdt", "Dương Thúy Quỳnh", [L], [("OFFICE_DOC", "HP-SKHCN")], []),
    ("tuanla", "Lâm Anh Tuấn", [L], [("ONE_STOP", "HP-KT-1C")], []),
    ("nhungdt", "Đoàn Thị Nhung", [L], [("ONE_STOP", "HP-AD-1C")], []),
    ("former", "Mạc Văn Cường", [L], [], []),
]

# The shipped defaults of PRODUCT.md §3: position code -> (module id, due in days from the
# assignment, validity in months or None). Counted from the assignment, not the position
# start, because the demo's staff started long before the curricula existed.
DEFAULT_CURRICULA = {
    "LEADER": [
        ("digital-government-foundations", 60, None),
        ("information-security", 90, 24),
    ],
    "OFFICE_DOC": [
        ("document-management-system", 45, None),
        ("information-security", 90, 24),
    ],
    "ONE_STOP": [
        ("citizen-authentication", 30, 24),
        ("online-public-services", 60, None),
    ],
    "JUSTICE": [
        ("citizen-authentication", 45, 24),
        ("digital-government-foundations", 90, None),
    ],
    "INFOSEC": [
        ("information-security", 30, 12),
        ("digital-government-foundations", 90, None),
    ],
    "COMMUNITY_DT": [
        ("online-public-services", 45, None),
        ("digital-government-foundations", 90, None),
    ],
}

# Shown after `lms demo`: one account per role to try first.
SHOWCASE = ["admin", "trainer.hoa", "manager.city", "manager.hongbang", "learner"]


@dataclass
class DemoSummary:
    units_added: int
    users_added: int
    assignments_added: int


def build(password: str) -> DemoSummary:
    """Create whatever part of the demo city is missing."""
    units, units_added = _build_units()
    users, users_added = _build_users(password)
    positions = {p.code: p for p in db.session.scalars(sa.select(Position))}
    assignments_added = 0
    for username, _name, _roles, held, managed in PEOPLE:
        user = users[username]
        for position_code, unit_code in held:
            if _holds(user, positions[position_code], units[unit_code]):
                continue
            org.assign_position(
                None, user, positions[position_code], units[unit_code], starts_on=START
            )
            assignments_added += 1
        _attach_managed(user, [units[code] for code in managed])
    _deactivate_former(users["former"], units["HP-LC-1C"], positions["ONE_STOP"])
    return DemoSummary(
        units_added=units_added, users_added=users_added, assignments_added=assignments_added
    )


def _build_units() -> tuple[dict[str, OrgUnit], int]:
    units = {
        unit.code: unit
        for unit in db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.code.in_([code for code, *_ in UNITS]))
        )
    }
    added = 0
    for code, kind, name_vi, name_en, parent_code in UNITS:
        if code not in units:
            units[code] = org.create_unit(
                None,
                code=code,
                kind_code=kind,
                name_vi=name_vi,
                name_en=name_en,
                parent=units[parent_code] if parent_code else None,
                valid_from=START,
            )
            added += 1
    return units, added


def _build_users(password: str) -> tuple[dict[str, User], int]:
    users = {
        user.username: user
        for user in db.session.scalars(
            sa.select(User).where(User.username.in_([username for username, *_ in PEOPLE]))
        )
    }
    added = 0
    for username, full_name, roles, _held, _managed in PEOPLE:
        if username not in users:
            users[username] = accounts.create_user(
                None,
                username=username,
                full_name=full_name,
                password=password,
                roles=roles,
                email=f"{username}@demo.haiphong.gov.vn",
            )
            added += 1
    return users, added


def _holds(user: User, position: Position, unit: OrgUnit) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                PositionAssignment.user_id == user.id,
                PositionAssignment.position_id == position.id,
                PositionAssignment.unit_id == unit.id,
            )
        )
        > 0
    )


def _attach_managed(user: User, units: list[OrgUnit]) -> None:
    for unit in units:
        if db.session.get(ManagerUnit, (user.id, unit.id)) is None:
            db.session.add(ManagerUnit(user_id=user.id, unit_id=unit.id))
    db.session.flush()


def _deactivate_former(user: User, unit: OrgUnit, position: Position) -> None:
    """A civil servant who left: a past position in the history, and no sign-in."""
    if not _holds(user, position, unit):
        assignment = org.assign_position(None, user, position, unit, starts_on=START)
        assignment.ends_on = date(2026, 3, 31)
    user.active = False
    db.session.flush()


def seed_curricula() -> int:
    """Add the default curricula for the shipped modules that are in the catalogue; a
    module a position already requires is left as the admin set it. Returns items added."""
    modules = {
        module.slug: module.id
        for module in db.session.scalars(sa.select(Module).where(Module.retired_at.is_(None)))
    }
    positions = {p.code: p for p in db.session.scalars(sa.select(Position))}
    added = 0
    for code, items in DEFAULT_CURRICULA.items():
        required = {item.module_id for item in org_queries.curriculum(positions[code].id)}
        for slug, due_days, validity in items:
            if slug in modules and modules[slug] not in required:
                org.set_curriculum_item(
                    None,
                    positions[code],
                    modules[slug],
                    due_basis=DUE_FROM_ASSIGNMENT,
                    due_days=due_days,
                    validity_months=validity,
                )
                added += 1
    return added


# The level each demo position requires per competency of the default framework.
DEFAULT_STANDARDS = {
    "LEADER": {"DG.1": 3, "DG.2": 2, "DOC.1": 2, "DS.1": 2},
    "OFFICE_DOC": {"DOC.1": 3, "IT.1": 3, "DS.1": 2, "DG.1": 2},
    "ONE_STOP": {"PS.1": 3, "ID.1": 3, "COM.1": 2, "DS.2": 2, "DS.1": 2},
    "JUSTICE": {"ID.1": 3, "DS.2": 2, "PS.2": 2},
    "INFOSEC": {"DS.1": 3, "DS.2": 3, "IT.1": 3},
    "COMMUNITY_DT": {"COM.1": 2, "PS.1": 2, "IT.1": 2},
}


def seed_standards() -> int:
    """Load the default competency framework and give each demo position its standards,
    unless the position has some already. Returns how many positions got standards."""
    from lms.needs import services as needs
    from lms.needs.models import PositionStandard

    needs.load_framework()
    admin = db.session.scalars(sa.select(User).where(User.username == "admin")).one()
    positions = {p.code: p for p in db.session.scalars(sa.select(Position))}
    done = set(db.session.scalars(sa.select(PositionStandard.position_id)))
    seeded = 0
    for code, levels in DEFAULT_STANDARDS.items():
        if code in positions and positions[code].id not in done:
            needs.set_standards(admin, positions[code], levels)
            seeded += 1
    return seeded

"""Reference data every installation starts with: kinds of unit and standard job positions.

Seeding is idempotent: existing rows (possibly edited by an admin) are left alone.
"""

import sqlalchemy as sa

from lms.extensions import db
from lms.org import services
from lms.org.models import OrgUnitKind, Position

UNIT_KINDS = [
    # code, Vietnamese, English
    ("province", "Tỉnh", "Province"),
    ("city", "Thành phố trực thuộc trung ương", "Centrally governed city"),
    ("district", "Quận/huyện", "District"),
    ("commune", "Xã", "Commune"),
    ("ward", "Phường", "Ward"),
    ("special_zone", "Đặc khu", "Special zone"),
    ("department", "Sở/ban/ngành", "Department"),
    ("office", "Văn phòng", "Office"),
    ("section", "Phòng/bộ phận", "Section"),
    ("one_stop", "Bộ phận một cửa", "One-stop section"),
    # Since 1 July 2025 a commune's or ward's one-stop work is done by its Public
    # Administration Service Centre.
    (
        "service_centre",
        "Trung tâm Phục vụ hành chính công",
        "Public Administration Service Centre",
    ),
    ("team", "Tổ/nhóm", "Team"),
]

POSITIONS = [
    (
        "LEADER",
        "Lãnh đạo cấp xã",
        "Commune leader",
        "Chủ tịch, Phó Chủ tịch UBND cấp xã và lãnh đạo tương đương.",
        "Chair and vice-chairs of the commune People's Committee and equivalent leaders.",
    ),
    (
        "ONE_STOP",
        "Công chức bộ phận một cửa",
        "One-stop counter officer",
        "Tiếp nhận, hướng dẫn và trả kết quả thủ tục hành chính cho người dân, doanh nghiệp.",
        "Receives applications, guides citizens and returns results at the one-stop counter.",
    ),
    (
        "JUSTICE",
        "Công chức Tư pháp - Hộ tịch",
        "Justice and civil-status officer",
        "Đăng ký hộ tịch, chứng thực và công tác tư pháp cấp xã.",
        "Civil-status registration, certification and justice work at commune level.",
    ),
    (
        "OFFICE_DOC",
        "Công chức Văn phòng - Văn thư",
        "Office and document officer",
        "Tiếp nhận, xử lý, phát hành và lưu trữ văn bản trên hệ thống quản lý văn bản.",
        "Receives, processes, issues and archives documents in the document system.",
    ),
    (
        "INFOSEC",
        "Cán bộ an toàn thông tin, chuyển đổi số",
        "Information-security and digital-transformation officer",
        "Phụ trách an toàn thông tin và chuyển đổi số của đơn vị.",
        "In charge of the unit's information security and digital transformation.",
    ),
    (
        "COMMUNITY_DT",
        "Thành viên Tổ công nghệ số cộng đồng",
        "Community digital-technology team member",
        "Hướng dẫn người dân sử dụng ứng dụng số, dịch vụ công trực tuyến, giao dịch điện tử.",
        "Helps citizens use digital applications, online public services and e-transactions.",
    ),
]


def seed_reference_data() -> int:
    """Add the missing unit kinds and standard positions; return how many were added."""
    have_kinds = set(db.session.scalars(sa.select(OrgUnitKind.code)))
    kinds = [
        OrgUnitKind(code=code, name_vi=vi, name_en=en, sort_order=order)
        for order, (code, vi, en) in enumerate(UNIT_KINDS)
        if code not in have_kinds
    ]
    db.session.add_all(kinds)
    db.session.flush()
    have_positions = set(db.session.scalars(sa.select(Position.code)))
    added_positions = 0
    for code, name_vi, name_en, description_vi, description_en in POSITIONS:
        if code not in have_positions:
            services.create_position(
                None,
                code=code,
                name_vi=name_vi,
                name_en=name_en,
                description_vi=description_vi,
                description_en=description_en,
            )
            added_positions += 1
    return len(kinds) + added_positions

"""Six months of the demo city's learning history, replayed through the domains' services.

Every event (a lesson marked done, a quiz attempt, a completion and its certificate, a
self-assessment, a manager's rating, a training session and its attendance, a target) is
made by the same service a person's request calls, at the moment it happened: the clock
is moved there the way the tests move it (``lms.core.clock.now``), so every rule, signal
and derived row (assignments, certificates, competency evidence, gaps, summaries) is the
application's own. The moments are drawn by a seeded ``random.Random`` around one reference
day, ``clock.today()`` when the build starts: the same build on any day, its dates relative
to that day.
"""

import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.accounts import activation
from lms.accounts.models import User
from lms.assessment import services as assessment
from lms.assessment.models import QuizAttempt
from lms.catalogue.models import Activity, Module
from lms.catalogue.queries import activities_of, latest_version
from lms.classes import services as classes
from lms.classes.models import ABSENT, ATTENDED, IN_PERSON, ONLINE, PARTLY
from lms.core import clock
from lms.core.i18n import fold
from lms.extensions import db
from lms.learning import assignments
from lms.learning import services as learning
from lms.learning.models import ModuleAssignment
from lms.learning.runtime import Runtime
from lms.needs import services as needs
from lms.org import services as org
from lms.org.models import OrgUnit, Position, PositionAssignment
from lms.plugins import registry
from lms.plugins.activity import Capability
from lms.reports import services as reports

SEED = 20250701
# The history runs over the six months before the reference day; the curricula were set a
# little earlier, and a few twelve-month certificates were earned before that, so some are
# near their expiry or past it.
HISTORY_DAYS = 182
CURRICULA_DAYS = 200

# Where the generated staff work: (unit code, position code, how many). Hong Bang ward, the
# demo learner's, keeps only its named people (whose history is made below), so its lists
# fit on one page for the walkthroughs that read them.
STAFF = [
    ("HP-SNV", "OFFICE_DOC", 8),
    ("HP-SNV", "INFOSEC", 3),
    ("HP-SKHCN", "INFOSEC", 6),
    ("HP-SKHCN", "OFFICE_DOC", 4),
    ("HP-LC-VP", "OFFICE_DOC", 8),
    ("HP-LC-VP", "INFOSEC", 2),
    ("HP-LC-1C", "ONE_STOP", 10),
    ("HP-LC-1C", "JUSTICE", 5),
    ("HP-AD-VP", "OFFICE_DOC", 7),
    ("HP-AD-1C", "ONE_STOP", 9),
    ("HP-AD-1C", "JUSTICE", 4),
    ("HP-AD-CNS", "COMMUNITY_DT", 6),
    ("HP-KT-VP", "OFFICE_DOC", 6),
    ("HP-KT-VP", "INFOSEC", 2),
    ("HP-KT-1C", "ONE_STOP", 9),
    ("HP-KT-1C", "JUSTICE", 4),
    ("HP-KT-CNS", "COMMUNITY_DT", 6),
    ("HP-LC", "LEADER", 2),
    ("HP-AD", "LEADER", 2),
    ("HP-KT", "LEADER", 2),
]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Thu", "Đức", "Ngọc", "Quốc", "Thanh", "Hồng", "Xuân", "Hải"]
GIVEN = [
    "Anh", "Bảo", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hằng", "Hiền", "Hòa", "Huy", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Nhung", "Phong", "Phúc",
    "Quang", "Quyên", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trung", "Tú", "Vân", "Yến",
]  # fmt: skip

# Who manages whose ratings: the unit a person works in -> the manager's username.
MANAGERS = {"HP-HB": "manager.hongbang", "HP-LC": "chuongnv", "HP-AD": "manager.anduong"}
MANAGERS |= {"HP-KT": "kienpt"}
CITY_MANAGER = "manager.city"

# Named demo people the browser tests drive through journeys of their own: their history
# is left empty (the learner's is made by hand, ``_lived_in_learner``).
UNTOUCHED = {
    "learner", "ducnm", "thaont", "trangvt", "namph", "tamhm", "admin", "trainer.hoa",
    "trainer.khoa", "manager.city", "manager.hongbang", "manager.anduong", "former",
}  # fmt: skip


@dataclass
class HistorySummary:
    people_added: int = 0
    counts: Counter = field(default_factory=Counter)


@contextmanager
def at(moment: datetime):
    """Within the block, the application's clock says ``moment``."""
    original = clock.now
    clock.now = lambda: moment
    try:
        yield
    finally:
        clock.now = original


def moment(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """``hour``:``minute`` of ``day`` where the site is, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=clock.zone()).astimezone(UTC)


def already_built() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(User.username.like("hp.%"))) > 0


def build(today: date, seed_curricula) -> HistorySummary:
    """Replay the history before ``today``; ``seed_curricula`` sets the positions' curricula
    (at the moment they were set). Run once, on a demo city without history."""
    rng = random.Random(SEED)  # noqa: S311 (a repeatable demo, not a secret)
    summary = HistorySummary()
    with at(moment(today - timedelta(days=CURRICULA_DAYS))):
        seed_curricula()
        summary.people_added = _add_staff(rng, today)
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    modules = {m.slug: m for m in db.session.scalars(sa.select(Module))}
    book = _Book(modules)
    learners = _learners(users)
    _older_certificates(rng, today, book, learners, summary)
    _assess(rng, today, users, learners, summary, after=False)
    _learn(rng, today, book, learners, summary)
    _assess(rng, today, users, learners, summary, after=True)
    _lived_in_learner(today, book, users, summary)
    _sessions(rng, today, users, learners, summary)
    _targets(today, users, modules, summary)
    db.session.flush()
    summary.counts.update(_counts())
    return summary


# --- People -------------------------------------------------------------------------------


def _add_staff(rng: random.Random, today: date) -> int:
    units = {u.code: u for u in db.session.scalars(sa.select(OrgUnit))}
    positions = {p.code: p for p in db.session.scalars(sa.select(Position))}
    people, places, number = [], [], 0
    for unit_code, position_code, count in STAFF:
        for _ in range(count):
            number += 1
            family, middle, given = rng.choice(FAMILY), rng.choice(MIDDLE), rng.choice(GIVEN)
            initials = fold(family[0] + middle[0]).lower()
            username = f"hp.{fold(given).lower().replace(' ', '')}{initials}{number:03d}"
            people.append(
                {
                    "username": username,
                    "full_name": f"{family} {middle} {given}",
                    "email": f"{username}@demo.haiphong.gov.vn",
                }
            )
            places.append((units[unit_code], positions[position_code]))
    ids = activation.create_invited_users(None, people)
    started = date(2025, 7, 1)
    org.assign_positions(
        None,
        [
            org.WantedPosition(
                user_id=user_id,
                username=person["username"],
                full_name=person["full_name"],
                position=position,
                unit=unit,
                starts_on=started,
            )
            for user_id, person, (unit, position) in zip(ids, people, places, strict=True)
        ],
    )
    return len(ids)


@dataclass
class _Learner:
    user: User
    unit_code: str
    skill: float = 0.0
    fate: dict[int, str] = field(default_factory=dict)


def _learners(users: dict[str, User]) -> list[_Learner]:
    """Everyone holding a position today, but the people the browser journeys drive."""
    rows = db.session.execute(
        sa.select(PositionAssignment.user_id, OrgUnit.code)
        .join(OrgUnit, OrgUnit.id == PositionAssignment.unit_id)
        .where(PositionAssignment.ends_on.is_(None))
        .order_by(PositionAssignment.user_id, PositionAssignment.id)
    ).all()
    by_id = {u.id: u for u in users.values()}
    seen, learners = set(), []
    for user_id, unit_code in rows:
        user = by_id[user_id]
        if user_id in seen or user.username in UNTOUCHED or not user.active:
            continue
        seen.add(user_id)
        learners.append(_Learner(user, unit_code))
    return learners


def _manager_of(users: dict[str, User], unit_code: str) -> User:
    return users[MANAGERS.get(unit_code[:5], CITY_MANAGER)]


# --- Learning -----------------------------------------------------------------------------


class _Book:
    """The modules' latest versions and activities, read once."""

    def __init__(self, modules: dict[str, Module]):
        self.modules = modules
        self.by_id = {m.id: m for m in modules.values()}
        self.activities: dict[int, list[Activity]] = {}
        for module in modules.values():
            version = latest_version(module.id)
            self.activities[module.id] = [
                db.session.get(Activity, a.id) for a in activities_of(version.id)
            ]


def _assignments(user_ids: list[int]) -> dict[int, list[ModuleAssignment]]:
    found: dict[int, list[ModuleAssignment]] = {}
    for row in db.session.scalars(
        sa.select(ModuleAssignment)
        .where(ModuleAssignment.user_id.in_(user_ids), ModuleAssignment.retired_on.is_(None))
        .order_by(ModuleAssignment.user_id, ModuleAssignment.module_id)
    ):
        found.setdefault(row.user_id, []).append(row)
    return found


def _reading(activity: Activity) -> bool:
    """A text to read, done when the learner marks it so (its form's action "done")."""
    return registry().can(activity.type_id, Capability.READING)


def _graded(activity: Activity) -> bool:
    """Questions answered in attempts (its form's actions "start" and "submit")."""
    return registry().can(activity.type_id, Capability.GRADED)


def _runtime(user: User) -> Runtime:
    return Runtime(user_id=user.id, locale=user.locale, action_url="")


def _lesson_done(user: User, module: Module, activity: Activity, when: datetime) -> None:
    with at(when):
        learning.submit_activity(
            user, module, activity, MultiDict([("action", "done")]), _runtime(user)
        )


def _quiz(
    rng: random.Random, user: User, module: Module, activity: Activity, when, right: float
) -> float | None:
    """One attempt at a quiz, each question answered right with probability ``right``;
    returns the score."""
    runtime = _runtime(user)
    with at(when):
        learning.submit_activity(user, module, activity, MultiDict([("action", "start")]), runtime)
        attempt = db.session.scalar(
            sa.select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.activity_id == activity.id)
            .order_by(QuizAttempt.number.desc())
            .limit(1)
        )
    form = MultiDict([("action", "submit"), ("attempt", str(attempt.id))])
    for slot, question in enumerate(assessment.slot_questions(attempt, activity)):
        form.add("slot", str(slot))
        for value in _answer(question, rng.random() < right):
            form.add(f"answer-{slot}", value)
    with at(when + timedelta(minutes=rng.randint(8, 19))):
        learning.submit_activity(user, module, activity, form, runtime)
    return attempt.score


def _answer(question, right: bool) -> list[str]:
    """What a learner's form sends for ``question``, right or wrong."""
    data, kind = question.data, question.type_id
    if kind == "true_false":
        return ["true" if data["correct"] == right else "false"]
    if kind in {"single_choice", "multiple_choice"}:
        options = sorted(data["options"], key=lambda o: o["fraction"], reverse=right)
        if kind == "single_choice":
            return [options[0]["id"]]
        return [o["id"] for o in options if (o["fraction"] > 0) == right]
    if not right:
        return []
    if kind == "short_answer":
        return [max(data["answers"], key=lambda a: a["fraction"])["text"]]
    if kind == "numeric":
        best = max(data["answers"], key=lambda a: a["fraction"])
        return [str(best.get("value", best.get("min")))]
    if kind == "matching":
        return [f"{item['id']}:{item['match']}" for item in data["items"]]
    return []


def _take(
    rng: random.Random,
    learner: _Learner,
    module: Module,
    activities: list[Activity],
    start: datetime,
    *,
    finish: bool,
    summary: HistorySummary,
) -> None:
    """A learner works through a module from ``start``: the pre-test, the lessons a few
    days apart, then the final quiz until passed or out of attempts (``finish``), or
    stops part-way."""
    user, when = learner.user, start
    until = clock.now() - timedelta(hours=1)  # nothing happens after the build starts
    lessons = [a for a in activities if _reading(a)]
    stop = len(lessons) if finish else rng.randint(1, max(1, len(lessons) - 1))
    for activity in activities:
        if _graded(activity) and activity.content.get("needs", {}).get("diagnostic"):
            _quiz(rng, user, module, activity, when, learner.skill - 0.3)
            summary.counts["pre-tests"] += 1
        elif _reading(activity):
            if stop == 0:
                return
            stop -= 1
            when += timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 6))
            if when > until:
                return
            _lesson_done(user, module, activity, when)
        elif _graded(activity):
            settings = assessment.QuizSettings.of(activity)
            for number in range(settings.attempts or 3):
                when += timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 5))
                if when > until:
                    return
                score = _quiz(rng, user, module, activity, when, learner.skill + 0.12 * number)
                if score is not None and score * 100 >= settings.pass_mark:
                    break


def _older_certificates(rng, today, book, learners, summary) -> None:
    """A few information-security certificates (valid twelve months) earned about a year
    ago: some now near their expiry, some expired."""
    module = book.modules.get("information-security")
    if module is None:
        return
    holders = [learner for learner in learners if _holds_code(learner.user.id) == "INFOSEC"]
    for index, learner in enumerate(holders[:8]):
        learner.skill = 0.97
        days = [330, 320, 310, 300, 420, 400, 390, 380][index]
        start = moment(today - timedelta(days=days + 14), 9)
        _take(rng, learner, module, book.activities[module.id], start, finish=True, summary=summary)
        learner.fate[module.id] = "done-earlier"


def _holds_code(user_id: int) -> str | None:
    return db.session.scalar(
        sa.select(Position.code)
        .join(PositionAssignment, PositionAssignment.position_id == Position.id)
        .where(PositionAssignment.user_id == user_id, PositionAssignment.ends_on.is_(None))
        .limit(1)
    )


def _learn(rng, today, book, learners, summary) -> None:
    """Each learner's assigned modules: most completed over the six months (a quarter of
    them after a failed attempt), some in progress, the rest not started."""
    by_user = _assignments([learner.user.id for learner in learners])
    first = today - timedelta(days=HISTORY_DAYS)
    for learner in learners:
        learner.skill = learner.skill or rng.uniform(0.6, 0.95)
        for assignment in by_user.get(learner.user.id, []):
            if assignment.module_id in learner.fate:
                continue
            draw = rng.random()
            fate = "done" if draw < 0.45 else "started" if draw < 0.62 else "idle"
            learner.fate[assignment.module_id] = fate
            if fate == "idle":
                continue
            latest = today - timedelta(days=24 if fate == "done" else 12)
            day = first + timedelta(days=rng.randint(0, (latest - first).days))
            start = moment(day, rng.randint(8, 16), rng.choice((0, 15, 30, 45)))
            module = book.by_id[assignment.module_id]
            _take(
                rng,
                learner,
                module,
                book.activities[module.id],
                start,
                finish=fate == "done",
                summary=summary,
            )


# --- Competencies -------------------------------------------------------------------------


def _assess(rng, today, users, learners, summary, *, after: bool) -> None:
    """Self-assessments and managers' ratings: most people at the start of the history,
    again at its end for those who completed a module."""
    for index, learner in enumerate(learners):
        if index % 3 == 2:
            continue
        if after and "done" not in learner.fate.values():
            continue
        required = needs.required_competencies(learner.user)
        if not required:
            continue
        offset = rng.randint(5, 25)
        day = today - timedelta(days=offset if after else HISTORY_DAYS - offset)
        lift = 1 if after else 0
        levels = {
            code: max(0, min(4, level - 1 + lift + rng.choice((-1, 0, 0))))
            for code, level in required.items()
        }
        with at(moment(day, 10)):
            needs.self_assess(learner.user, levels)
        summary.counts["self-assessments"] += 1
        if index % 2 == 0:
            manager = _manager_of(users, learner.unit_code)
            rated = {code: max(0, level - rng.choice((0, 1))) for code, level in levels.items()}
            with at(moment(day + timedelta(days=3), 15)):
                needs.rate_person(manager, learner.user, rated)
            summary.counts["manager ratings"] += 1


# --- The learner's home page --------------------------------------------------------------


def _lived_in_learner(today, book, users, summary) -> None:
    """The demo learner: a leadership module completed with its certificate, a curriculum
    module part-way, and a module their manager assigned due in a few days."""
    learner = _Learner(users["learner"], "HP-HB-1C", skill=1.0)
    manager = users["manager.hongbang"]
    rng = random.Random(SEED + 1)  # noqa: S311
    done = book.modules.get("digital-transformation-leadership")
    if done is not None:
        with at(moment(today - timedelta(days=75), 14)):
            assignments.assign_manually(manager, learner.user, done, due_on=today - timedelta(40))
        start = moment(today - timedelta(days=70), 9)
        _take(rng, learner, done, book.activities[done.id], start, finish=True, summary=summary)
    doing = book.modules.get("online-public-services")
    if doing is not None:
        lessons = [a for a in book.activities[doing.id] if _reading(a)][:2]
        for number, activity in enumerate(lessons):
            _lesson_done(learner.user, doing, activity, moment(today - timedelta(9 - 3 * number)))
    due = book.modules.get("information-security")
    if due is not None:
        with at(moment(today - timedelta(days=10), 11)):
            assignments.assign_manually(manager, learner.user, due, due_on=today + timedelta(5))
    summary.counts["learner's modules"] = 3


# --- Training sessions --------------------------------------------------------------------


SESSIONS = [
    # days from today, title vi, title en, mode, capacity
    (-150, "Tập huấn sử dụng VNeID tại quầy", "Using VNeID at the counter", IN_PERSON, 20),
    (-110, "An toàn thông tin cho cán bộ xã", "Information security for commune staff", ONLINE, 30),
    (-75, "Quản lý văn bản điện tử", "Electronic document management", IN_PERSON, 18),
    (-40, "Dịch vụ công trực tuyến toàn trình", "Fully online public services", IN_PERSON, 20),
    (-12, "Phòng chống lừa đảo qua mạng", "Preventing online fraud", ONLINE, 40),
    (
        9,
        "Chuyển đổi số cấp xã: lập kế hoạch",
        "Commune digital transformation plans",
        IN_PERSON,
        25,
    ),
    (23, "Ký số và thanh toán điện tử", "Digital signatures and e-payment", ONLINE, 30),
]


def _sessions(rng, today, users, learners, summary) -> None:
    """Stand-alone training sessions: five held, with attendance taken and a few no-shows,
    and two coming up with people enrolled (the demo learner in one held and one coming)."""
    trainer = users["trainer.hoa"]
    people = [learner.user for learner in learners]
    for days, title_vi, title_en, mode, capacity in SESSIONS:
        day = today + timedelta(days=days)
        starts = moment(day, 8, 30)
        opens = starts - timedelta(days=21) if days < 0 else moment(today - timedelta(days=5))
        details = classes.SessionDetails(
            title_vi=title_vi,
            title_en=title_en,
            mode=mode,
            capacity=capacity,
            enrol_opens_at=opens,
            enrol_closes_at=starts - timedelta(days=1),
            cancel_until=starts - timedelta(days=2),
            slots=[(starts, starts + timedelta(hours=3, minutes=30))],
            venue="Hội trường UBND thành phố, 18 Hoàng Diệu" if mode == IN_PERSON else "",
            meeting_url="https://meet.demo.haiphong.gov.vn/tap-huan" if mode == ONLINE else "",
            trainer_ids=(trainer.id,),
        )
        with at(opens - timedelta(days=1)):
            session = classes.create_session(trainer, details)
        summary.counts["sessions held" if days < 0 else "sessions upcoming"] += 1
        chosen = rng.sample(people, min(len(people), capacity - rng.randint(1, 4)))
        if days > 0:
            chosen = chosen[: capacity // 2]
        if days in (-12, 9):
            chosen.append(users["learner"])  # the demo learner's calendar has both
        for number, user in enumerate(chosen):
            enrol_at = opens + timedelta(hours=2 + number)
            if enrol_at >= clock.now():
                enrol_at = clock.now() - timedelta(minutes=len(chosen) - number)
            with at(enrol_at):
                classes.enrol(user, session, user)
            summary.counts["enrolments"] += 1
        if days > 0:
            continue
        slot = session.slots[0]
        marks = {}
        for user in chosen:
            draw = rng.random()
            marks[(user.id, slot.id)] = (
                ATTENDED if draw < 0.8 else PARTLY if draw < 0.88 else ABSENT
            )
        with at(slot.ends_at + timedelta(minutes=20)):
            classes.record_attendance(trainer, session, marks)
        summary.counts["attendance marks"] += len(marks)
        summary.counts["no-shows"] += sum(status == ABSENT for status in marks.values())


# --- Targets ------------------------------------------------------------------------------


def _targets(today, users, modules, summary) -> None:
    """The city's targets: one missed, one at risk, one on track."""
    manager = users[CITY_MANAGER]
    city = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "HP"))
    positions = {p.code: p for p in db.session.scalars(sa.select(Position))}
    wanted = [
        # created (days ago), due (days from today), position, module, percent
        (150, -20, None, "digital-government-foundations", 95),
        (90, 25, "ONE_STOP", "citizen-authentication", 95),
        (120, 300, None, "information-security", 40),
    ]
    for created, due, position, slug, percent in wanted:
        if slug not in modules:
            continue
        with at(moment(today - timedelta(days=created), 10)):
            reports.create_target(
                manager,
                unit=city,
                position=positions[position] if position else None,
                module=modules[slug],
                percent=percent,
                due_on=today + timedelta(days=due),
            )
        summary.counts["targets"] += 1


def _counts() -> Counter:
    from lms.certificates.models import Certificate
    from lms.classes.models import Attendance
    from lms.learning.models import COMPLETED, ModuleProgress

    finished = sa.select(QuizAttempt.score).where(QuizAttempt.score.is_not(None)).subquery()
    return Counter(
        {
            "people": db.session.scalar(sa.select(sa.func.count(User.id))),
            "module progress": db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))),
            "completions": db.session.scalar(
                sa.select(sa.func.count(ModuleProgress.id)).where(ModuleProgress.state == COMPLETED)
            ),
            "quiz attempts": db.session.scalar(sa.select(sa.func.count()).select_from(finished)),
            "certificates": db.session.scalar(sa.select(sa.func.count(Certificate.id))),
            "attendance rows": db.session.scalar(sa.select(sa.func.count(Attendance.slot_id))),
        }
    )

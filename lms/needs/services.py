"""Training needs: the framework, position standards, assessments, assigning what closes a
gap, follow-up ratings, and what the other domains' events mean for them.

Services flush, audit and leave the commit to the caller.
"""

import tomllib
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.assessment.models import FINISHED, QuizAttempt
from lms.assessment.services import saved_answers, slot_questions
from lms.catalogue.models import Module, ModuleCompetency, ModuleVersion
from lms.core import audit, clock, signals
from lms.core.errors import Invalid, PermissionDenied
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.learning.assignments import assign_manually, current_assignments
from lms.needs import evidence, gaps
from lms.needs.models import (
    COMPLETION,
    LEVELS,
    MANAGER,
    POST,
    PRE,
    SELF,
    TEST,
    Competency,
    CompetencyArea,
    CompetencyLevel,
    FollowUpRating,
    PositionNeedsSetting,
    PositionStandard,
    TestResult,
)
from lms.org.models import Position, PositionAssignment
from lms.org.queries import holds_on, in_scope
from lms.plugins import registry
from lms.plugins.activity import Capability

FRAMEWORK = Path(__file__).parent / "data" / "framework.toml"


# --- the framework -------------------------------------------------------------------------


def load_framework(path: Path = FRAMEWORK) -> int:
    """Add the areas, competencies and level descriptions of a framework file that are not
    in the database yet (an admin's later edits are kept). Returns how many competencies
    were added. Raises ``Invalid`` naming the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        generic = {level["level"]: level for level in data.get("levels", [])}
        areas = {area["code"]: area for area in data["areas"]}
        known_areas = set(db.session.scalars(sa.select(CompetencyArea.code)))
        for order, (code, area) in enumerate(areas.items()):
            if code not in known_areas:
                db.session.add(
                    CompetencyArea(
                        code=code,
                        name_vi=area["name"]["vi"],
                        name_en=area["name"]["en"],
                        sort_order=order,
                    )
                )
        db.session.flush()
        known = set(db.session.scalars(sa.select(Competency.code)))
        added = 0
        for order, item in enumerate(data["competencies"]):
            if item["code"] in known:
                continue
            if item["area"] not in areas:
                raise KeyError(f"competency {item['code']}: unknown area {item['area']}")
            own = {level["level"]: level for level in item.get("levels", [])}
            db.session.add(
                Competency(
                    code=item["code"],
                    area_code=item["area"],
                    name_vi=item["name"]["vi"],
                    name_en=item["name"]["en"],
                    sort_order=order,
                    levels=[
                        CompetencyLevel(
                            level=number,
                            description_vi=own.get(number, generic.get(number, {})).get("vi", ""),
                            description_en=own.get(number, generic.get(number, {})).get("en", ""),
                        )
                        for number in LEVELS
                    ],
                )
            )
            added += 1
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise Invalid(f"{path}: {error}") from error
    db.session.flush()
    return added


def edit_competency(actor: User, competency: Competency, *, name_vi, name_en, levels) -> None:
    """Rename a competency and reword its levels: ``levels`` maps 1-4 to (vi, en)."""
    ensure_role(actor, Role.ADMIN)
    if not name_vi.strip() or not name_en.strip():
        raise Invalid(_l("Give the competency a name in Vietnamese and in English."))
    competency.name_vi, competency.name_en = name_vi.strip(), name_en.strip()
    for level in competency.levels:
        vi, en = levels[level.level]
        if not vi.strip() or not en.strip():
            raise Invalid(_l("Describe every level in Vietnamese and in English."))
        level.description_vi, level.description_en = vi.strip(), en.strip()
    audit.record(actor, "competency.edited", _Keyed("competencies"), code=competency.code)


class _Keyed:
    """A row keyed by a code, for the audit log (whose object ids are numbers)."""

    def __init__(self, table: str):
        self.__tablename__ = table
        self.id = None


# --- position standards --------------------------------------------------------------------


def set_standards(actor: User, position: Position, levels: dict[str, int | None]) -> None:
    """Set the levels ``position`` requires (None or 0: not required) and refresh the gaps
    of everyone holding it; with automatic assignment on, assign what closes new gaps."""
    ensure_role(actor, Role.ADMIN)
    framework = set(db.session.scalars(sa.select(Competency.code)))
    current = {s.competency_code: s for s in _standards(position.id)}
    for code, level in levels.items():
        if code not in framework:
            raise Invalid(_l("Unknown competency %(code)s.", code=code))
        if level and level not in LEVELS:
            raise Invalid(_l("A level is a whole number from 1 to 4."))
        if level and code in current:
            current[code].level = level
        elif level:
            db.session.add(
                PositionStandard(position_id=position.id, competency_code=code, level=level)
            )
        elif code in current:
            db.session.delete(current[code])
    db.session.flush()
    audit.record(
        actor,
        "position.standards",
        position,
        levels=[f"{code}:{level}" for code, level in sorted(levels.items()) if level],
    )
    holders = _holders(position.id)
    gaps.refresh(holders)
    auto_assign(holders)


def _standards(position_id: int) -> list[PositionStandard]:
    return list(
        db.session.scalars(
            sa.select(PositionStandard).where(PositionStandard.position_id == position_id)
        )
    )


def _holders(position_id: int) -> sa.Select:
    return sa.select(PositionAssignment.user_id).where(
        PositionAssignment.position_id == position_id, holds_on(clock.today())
    )


def set_auto_assign(actor: User, position: Position, *, enabled: bool, due_days: int) -> int:
    """Turn automatic assignment of recommended modules on or off for ``position``; on, it
    runs at once for everyone holding it, on ``actor``'s authority. Returns modules assigned."""
    ensure_role(actor, Role.ADMIN)
    if due_days < 1:
        raise Invalid(_l("Give a number of days from 1."))
    setting = db.session.get(PositionNeedsSetting, position.id)
    if setting is None:
        setting = PositionNeedsSetting(position_id=position.id)
        db.session.add(setting)
    setting.auto_assign, setting.due_days = enabled, due_days
    setting.set_by_id, setting.updated_at = actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "position.auto_assign", position, enabled=enabled, due_days=due_days)
    return auto_assign(_holders(position.id)) if enabled else 0


def auto_assign(users) -> int:
    """For each of ``users`` holding a position with automatic assignment on: assign the
    recommended modules not yet assigned, as the admin who turned it on. Returns how many."""
    settings = db.session.execute(
        sa.select(PositionAssignment.user_id, PositionNeedsSetting, User)
        .join(
            PositionNeedsSetting, PositionNeedsSetting.position_id == PositionAssignment.position_id
        )
        .join(User, User.id == PositionNeedsSetting.set_by_id)
        .where(
            PositionAssignment.user_id.in_(users),
            holds_on(clock.today()),
            PositionNeedsSetting.auto_assign.is_(True),
            User.active.is_(True),
        )
        .order_by(PositionAssignment.user_id)
    ).all()
    if not settings:
        return 0
    catalogue = gaps.offers()
    done, assigned = set(), 0
    for user_id, setting, admin in settings:
        if user_id in done:
            continue
        done.add(user_id)
        person = db.session.get(User, user_id)
        needs = gaps.person_needs(person, catalogue=catalogue)
        due_on = clock.today() + timedelta(days=setting.due_days)
        assigned += _assign(admin, person, needs.recommended, due_on)
    return assigned


def _assign(actor: User, person: User, offers, due_on) -> int:
    already = current_assignments(person.id)
    count = 0
    for offer in offers:
        if offer.module_id in already:
            continue
        assign_manually(actor, person, db.session.get(Module, offer.module_id), due_on=due_on)
        count += 1
    return count


def assign_recommended(actor: User, person: User, *, due_on) -> int:
    """A manager assigns, in one action, every recommended module ``person`` does not have
    yet. Raises ``PermissionDenied`` for someone outside the actor's units and ``Invalid``
    when nothing is recommended. Returns how many modules were assigned."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    needs = gaps.person_needs(person)
    if not needs.recommended:
        raise Invalid(_l("Nothing to assign: no module is recommended for this person."))
    count = _assign(actor, person, needs.recommended, due_on)
    if count == 0:
        raise Invalid(_l("Every recommended module is already assigned."))
    audit.record(actor, "needs.assigned", person, modules=count)
    return count


# --- assessments ---------------------------------------------------------------------------


def required_competencies(user: User) -> dict[str, int]:
    """The competencies the positions ``user`` holds today require, at the highest level."""
    positions = sa.select(PositionAssignment.position_id).where(
        PositionAssignment.user_id == user.id, holds_on(clock.today())
    )
    required: dict[str, int] = {}
    for standard in db.session.scalars(
        sa.select(PositionStandard).where(PositionStandard.position_id.in_(positions))
    ):
        required[standard.competency_code] = max(
            required.get(standard.competency_code, 0), standard.level
        )
    return required


def _check_levels(levels: dict[str, int], allowed: set[str]) -> None:
    if not levels:
        raise Invalid(_l("Your positions require no competency yet: there is nothing to assess."))
    for code, level in levels.items():
        if code not in allowed:
            raise Invalid(_l("Unknown competency %(code)s.", code=code))
        if level not in (0, *LEVELS):
            raise Invalid(_l("Choose one of the levels for every competency."))


def self_assess(user: User, levels: dict[str, int]) -> None:
    """A learner's own answer, one level per competency their positions require (0: "not
    yet"). Every competency required must be answered."""
    required = required_competencies(user)
    if set(levels) != set(required):
        raise Invalid(_l("Answer every question: choose a level for each competency."))
    _check_levels(levels, set(required))
    evidence.record(user.id, levels, source=SELF, recorded_by=user)
    audit.record(user, "needs.self_assessed", user, competencies=len(levels))
    _after_evidence(user.id)


def rate_person(actor: User, person: User, levels: dict[str, int]) -> None:
    """A manager's rating of someone in their units, for the competencies rated."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    _ensure_in_scope(actor, person)
    if not levels:
        raise Invalid(_l("Choose a level for at least one competency."))
    _check_levels(levels, set(required_competencies(person)))
    evidence.record(person.id, levels, source=MANAGER, recorded_by=actor)
    audit.record(actor, "needs.manager_rated", person, competencies=len(levels))
    _after_evidence(person.id)


def rate_follow_up(actor: User, person: User, module: Module, rating: int) -> FollowUpRating:
    """A manager's follow-up, some months after ``person`` completed ``module``: does
    the person apply it in daily work (1-4)? Rating again replaces the earlier rating."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    _ensure_in_scope(actor, person)
    if rating not in LEVELS:
        raise Invalid(_l("Choose a rating from 1 to 4."))
    row = db.session.scalar(
        sa.select(FollowUpRating).where(
            FollowUpRating.user_id == person.id, FollowUpRating.module_id == module.id
        )
    )
    if row is None:
        row = FollowUpRating(user_id=person.id, module_id=module.id)
        db.session.add(row)
    row.rating, row.rated_by_id, row.rated_at = rating, actor.id, clock.now()
    db.session.flush()
    audit.record(actor, "needs.follow_up", row, rating=rating)
    return row


def _ensure_in_scope(actor: User, person: User) -> None:
    held = sa.select(PositionAssignment.id).where(
        PositionAssignment.user_id == person.id,
        holds_on(clock.today()),
        in_scope(actor, PositionAssignment.unit_id),
    )
    if db.session.scalar(held.limit(1)) is None:
        raise PermissionDenied(_l("This person is outside the units you manage."))


def _after_evidence(user_id: int) -> None:
    gaps.refresh([user_id])
    auto_assign([user_id])


# --- tests and completions -----------------------------------------------------------------


def level_for(fraction: float, target: int, pass_mark: int) -> int:
    """The level a score shows on a test of ``target`` level: the pass mark shows the target
    level, proportionally less below it (70% pass, level 3: 47% shows 2, 23% shows 1)."""
    passing = max(pass_mark, 1) / 100
    return max(0, min(target, int(fraction * target / passing + 1e-9)))


def record_attempt(attempt, activity) -> TestResult | None:
    """A finished quiz attempt: a diagnostic quiz's is a pre-test result (and evidence of
    the levels its categories measure), any other quiz's a post-test result."""
    if attempt.score is None:
        return None
    done = sa.select(TestResult).where(TestResult.attempt_id == attempt.id)
    if (recorded := db.session.scalar(done)) is not None:
        return recorded
    version_id = activity.version_id
    module_levels = dict(
        db.session.execute(
            sa.select(ModuleCompetency.code, ModuleCompetency.level).where(
                ModuleCompetency.version_id == version_id
            )
        ).all()
    )
    needs = activity.content.get("needs") or {}
    pass_mark = activity.content["settings"].get("pass_mark", 70)
    measured = _measured_levels(attempt, activity, needs.get("measures", []), pass_mark)
    if needs.get("diagnostic") and not measured:
        measured = {
            code: level_for(attempt.score, level, pass_mark)
            for code, level in module_levels.items()
        }
    framework = set(db.session.scalars(sa.select(Competency.code)))
    measured = {code: level for code, level in measured.items() if code in framework}
    measures_levels = [rule["level"] for rule in needs.get("measures", [])]
    target = max(module_levels.values(), default=max(measures_levels, default=1))
    module_id = db.session.scalar(
        sa.select(ModuleVersion.module_id).where(ModuleVersion.id == version_id)
    )
    result = TestResult(
        user_id=attempt.user_id,
        module_id=module_id,
        activity_id=activity.id,
        attempt_id=attempt.id,
        kind=PRE if needs.get("diagnostic") else POST,
        score=attempt.score,
        level=level_for(attempt.score, target, pass_mark),
        taken_at=attempt.finished_at or clock.now(),
    )
    db.session.add(result)
    if needs.get("diagnostic") and measured:
        evidence.record(
            attempt.user_id,
            measured,
            source=TEST,
            observed_at=result.taken_at,
            module_id=module_id,
            attempt_id=attempt.id,
        )
        _after_evidence(attempt.user_id)
    db.session.flush()
    return result


def _measured_levels(attempt, activity, measures: list[dict], pass_mark: int) -> dict[str, int]:
    """Per competency the level its categories show: marks earned over marks possible in
    the categories mapped to it."""
    if not measures:
        return {}
    by_category = {rule["category"]: rule for rule in measures}
    answers = saved_answers(attempt)
    earned: dict[str, float] = {}
    possible: dict[str, float] = {}
    target: dict[str, int] = {}
    for slot, question in enumerate(slot_questions(attempt, activity)):
        rule = by_category.get(question.category)
        if rule is None:
            continue
        code = rule["competency"]
        answer = answers.get(slot)
        fraction = answer.fraction if answer is not None and answer.fraction is not None else 0.0
        earned[code] = earned.get(code, 0.0) + question.weight * max(fraction, 0.0)
        possible[code] = possible.get(code, 0.0) + question.weight
        target[code] = max(target.get(code, 0), rule["level"])
    return {
        code: level_for(earned[code] / possible[code], target[code], pass_mark)
        for code in possible
        if possible[code]
    }


def record_completion(progress, user) -> None:
    """A completed module is evidence of the levels it builds, while the completion (the
    module certificate) is valid."""
    levels = dict(
        db.session.execute(
            sa.select(ModuleCompetency.code, ModuleCompetency.level).where(
                ModuleCompetency.version_id == progress.version_id
            )
        ).all()
    )
    framework = set(db.session.scalars(sa.select(Competency.code)))
    levels = {code: level for code, level in levels.items() if code in framework}
    if not levels:
        return
    evidence.record(
        user.id,
        levels,
        source=COMPLETION,
        observed_at=progress.completed_at or clock.now(),
        until=progress.expires_on or evidence.FOREVER,
        module_id=progress.module_id,
    )
    gaps.refresh([user.id])


def record_revocation(user_id: int, module_ids, progress_ids, *, on) -> None:
    """A certificate was revoked: the completions it rested on are no longer evidence from
    ``on``, and the person's gaps (and automatic assignments) follow."""
    evidence.end_completions(user_id, module_ids, progress_ids, on=on)
    _after_evidence(user_id)


@signals.quiz_attempt_finished.connect
def _on_attempt_finished(attempt, activity) -> None:
    record_attempt(attempt, activity)


@signals.activity_state_changed.connect
def _on_activity_state_changed(activity, user_id) -> None:
    """Attempts finished outside the learner's request (``lms quizzes close-overdue``)."""
    if not registry().can(activity.type_id, Capability.DIAGNOSTIC):
        return
    recorded = sa.select(TestResult.attempt_id)
    attempts = db.session.scalars(
        sa.select(QuizAttempt).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.activity_id == activity.id,
            QuizAttempt.state == FINISHED,
            QuizAttempt.id.not_in(recorded),
        )
    )
    for attempt in list(attempts):
        record_attempt(attempt, activity)


@signals.module_completed.connect
def _on_module_completed(progress, user) -> None:
    record_completion(progress, user)


@signals.certificate_revoked.connect
def _on_certificate_revoked(certificate, user_id, module_ids, progress_ids, on, actor) -> None:
    record_revocation(user_id, module_ids, progress_ids, on=on)


@signals.positions_assigned.connect
def _on_positions_assigned(assignments, actor) -> None:
    # A position with no standard changes nobody's gaps, one without automatic assignment
    # assigns nothing: no refresh, no assignment (most imports), found in one query.
    user_ids = sorted({assignment.user_id for assignment in assignments})
    positions = {assignment.position_id for assignment in assignments}
    standard, automatic = db.session.execute(
        sa.select(
            sa.exists().where(PositionStandard.position_id.in_(positions)),
            sa.exists().where(
                PositionNeedsSetting.position_id.in_(positions),
                PositionNeedsSetting.auto_assign.is_(True),
            ),
        )
    ).one()
    if standard:
        gaps.refresh(user_ids)
    if automatic:
        auto_assign(user_ids)


@signals.position_ended.connect
def _on_position_ended(assignment, actor) -> None:
    gaps.refresh([assignment.user_id])


@signals.org_unit_merged.connect
def _on_unit_merged(source, target, actor, on) -> None:
    gaps.refresh(
        sa.select(PositionAssignment.user_id).where(
            PositionAssignment.unit_id.in_([source.id, target.id])
        )
    )

"""Read-side queries of a learner's learning: the catalogue, their modules, a module's page."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.queries import search_condition
from lms.catalogue.models import Activity, Module, ModuleCompetency, ModuleVersion
from lms.catalogue.queries import latest_numbers
from lms.extensions import db
from lms.learning.models import ActivityProgress, ModuleProgress


def _current_progress_of(user: User):
    return sa.orm.aliased(
        ModuleProgress,
        sa.select(ModuleProgress)
        .where(ModuleProgress.user_id == user.id, ModuleProgress.superseded_at.is_(None))
        .subquery("mine"),
    )


def catalogue(user: User, *, search: str = "", competency: str = "", language: str = ""):
    """Rows of (version, the learner's current progress or None) for every module open to
    new learners, at its latest version; one statement however many modules."""
    latest = latest_numbers()
    mine = _current_progress_of(user)
    query = (
        sa.select(ModuleVersion, mine)
        .join(Module, Module.id == ModuleVersion.module_id)
        .join(
            latest,
            sa.and_(
                latest.c.module_id == ModuleVersion.module_id,
                latest.c.number == ModuleVersion.number,
            ),
        )
        .outerjoin(mine, mine.module_id == Module.id)
        .where(Module.retired_at.is_(None))
        .order_by(ModuleVersion.search_text)
    )
    if search.strip():
        query = query.where(search_condition(ModuleVersion.search_text, search))
    if competency:
        query = query.where(
            sa.exists().where(
                ModuleCompetency.version_id == ModuleVersion.id, ModuleCompetency.code == competency
            )
        )
    if language:
        query = query.where(ModuleVersion.language_codes.contains(f" {language} ", autoescape=True))
    return query


def competency_codes() -> list[str]:
    return list(db.session.scalars(sa.select(ModuleCompetency.code).distinct().order_by("code")))


def my_modules(user: User) -> list:
    """Rows of (progress, latest version number) of every module the learner has started:
    in progress first, most recent first, then completed."""
    latest = latest_numbers()
    query = (
        sa.select(ModuleProgress, latest.c.number)
        .join(latest, latest.c.module_id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == user.id, ModuleProgress.superseded_at.is_(None))
        .order_by(ModuleProgress.state.desc(), ModuleProgress.last_seen_at.desc())
    )
    return db.session.execute(query).all()


def module_by_slug(slug: str) -> Module | None:
    return db.session.scalar(sa.select(Module).where(Module.slug == slug))


def activity_states(user: User, version_id: int) -> dict[int, ActivityProgress]:
    """The learner's progress in every activity of a version, by activity id; one query."""
    query = (
        sa.select(ActivityProgress)
        .join(Activity, Activity.id == ActivityProgress.activity_id)
        .where(ActivityProgress.user_id == user.id, Activity.version_id == version_id)
    )
    return {state.activity_id: state for state in db.session.scalars(query)}


def completed_versions(user: User, module: Module) -> list[ModuleProgress]:
    """Earlier completions of this module (superseded by a later version), newest first."""
    return list(
        db.session.scalars(
            sa.select(ModuleProgress)
            .where(
                ModuleProgress.user_id == user.id,
                ModuleProgress.module_id == module.id,
                ModuleProgress.superseded_at.is_not(None),
                ModuleProgress.completed_at.is_not(None),
            )
            .order_by(ModuleProgress.completed_at.desc())
        )
    )

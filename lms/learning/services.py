"""A learner's path through a module: opening activities, submitting them, completion.

Every function takes the learner explicitly, flushes, and leaves the commit to the caller.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.catalogue.queries import activities_of, latest_version
from lms.core import clock, signals
from lms.core.db import insert_once
from lms.core.errors import Invalid
from lms.extensions import db
from lms.learning import assignments, queries
from lms.learning.completion import ALL_REQUIRED
from lms.learning.models import COMPLETED, IN_PROGRESS, ActivityProgress, ModuleProgress
from lms.learning.runtime import Runtime
from lms.plugins import registry

# The statements every activity view runs, built once (building costs more than running).
_CURRENT_PROGRESS = sa.select(ModuleProgress).where(
    ModuleProgress.user_id == sa.bindparam("user_id"),
    ModuleProgress.module_id == sa.bindparam("module_id"),
    ModuleProgress.superseded_at.is_(None),
)
_ACTIVITY_STATE = sa.select(ActivityProgress).where(
    ActivityProgress.module_progress_id == sa.bindparam("module_progress_id"),
    ActivityProgress.activity_id == sa.bindparam("activity_id"),
)


def current_progress(user: User, module: Module) -> ModuleProgress | None:
    return db.session.scalar(_CURRENT_PROGRESS, {"user_id": user.id, "module_id": module.id})


def learner_version(user: User, module: Module) -> ModuleVersion | None:
    """The version this learner works on: the one they started, else the latest."""
    progress = current_progress(user, module)
    return progress.version if progress else latest_version(module.id)


def _start(
    user: User, module: Module, version: ModuleVersion, *, cycle: int | None = None
) -> ModuleProgress:
    if module.retired_at is not None:
        raise Invalid(_l("This module has been retired and cannot be started."))
    now = clock.now()
    if cycle is None:
        cycle = _last_superseded_cycle(user, module) + 1
    started = insert_once(
        db.session,
        ModuleProgress,
        {
            "user_id": user.id,
            "module_id": module.id,
            "version_id": version.id,
            "cycle": cycle,
            "state": IN_PROGRESS,
            "progress_pct": 0,
            "started_at": now,
            "last_seen_at": now,
        },
        unique=[ModuleProgress.user_id, ModuleProgress.version_id, ModuleProgress.cycle],
    )
    progress = db.session.scalar(
        sa.select(ModuleProgress).where(
            ModuleProgress.user_id == user.id,
            ModuleProgress.version_id == version.id,
            ModuleProgress.cycle == cycle,
        )
    )
    assignments.record_start(user.id, module.id, progress.started_at)
    if started:
        signals.module_started.send(progress, user=user)
    return progress


def _last_superseded_cycle(user: User, module: Module) -> int:
    """The cycle a new start follows. Only superseded rows count: a current row another
    request has just committed is the cycle this start must join (the insert then finds
    it), not one to follow with a second current row."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(ModuleProgress.cycle), 0)).where(
            ModuleProgress.user_id == user.id,
            ModuleProgress.module_id == module.id,
            ModuleProgress.superseded_at.is_not(None),
        )
    )


def open_activity(
    user: User,
    module: Module,
    activity: Activity,
    runtime: Runtime | None = None,
    *,
    progress: ModuleProgress | None = None,
    state: ActivityProgress | None = None,
) -> ActivityProgress:
    """Record that ``user`` opened ``activity``: the module is started and the place in
    it remembered; "last seen" is written only when the stored time is older than
    ``LMS_LAST_SEEN_SECONDS``. With a ``runtime``, an activity type that keeps records of
    its own (a quiz) brings the state up to date first. ``progress``, ``state``: the
    learner's current module progress and state in the activity when the caller has them.
    Returns the activity's progress."""
    progress = (
        progress
        or current_progress(user, module)
        or _start(user, module, activity_version(activity))
    )
    now = clock.now()
    if _stale(progress.last_seen_at, now):
        progress.last_seen_at = now
    if progress.last_activity_id != activity.id:
        progress.last_activity_id = activity.id
    state = state or _activity_progress(user, activity, progress)
    if _stale(state.last_seen_at, now):
        state.last_seen_at = now
    if runtime is not None:
        _refresh(user, module, activity, state, runtime)
    db.session.flush()
    return state


def seen_activity(
    user: User, progress: ModuleProgress | None, activity: Activity, runtime: Runtime
) -> ActivityProgress | None:
    """The learner's state in ``activity`` when opening it again would change nothing (the
    module started, the learner's place and "last seen" still current, the type's own
    records unchanged), else None: then ``open_activity`` records the visit. Reads only."""
    if progress is None or not is_still_current(
        progress.last_activity_id, activity.id, progress.last_seen_at
    ):
        return None
    state = db.session.scalar(
        _ACTIVITY_STATE, {"module_progress_id": progress.id, "activity_id": activity.id}
    )
    if state is None or _stale(state.last_seen_at, clock.now()):
        return None
    activity_type = registry().activity_type(activity.type_id)
    if activity_type is not None and activity_type.refresh(activity, dict(state.data), runtime) != (
        state.data
    ):
        return None
    return state


def is_still_current(last_activity_id: int | None, activity_id: int, *seen_at) -> bool:
    """Whether opening ``activity_id`` again records nothing as far as the module's and the
    activity's "last seen" (``seen_at``) go: the learner's place in the module is already
    that activity, and each was seen within ``LMS_LAST_SEEN_SECONDS``."""
    now = clock.now()
    return last_activity_id == activity_id and not any(_stale(when, now) for when in seen_at)


def _stale(seen_at, now) -> bool:
    """Whether a "last seen" time is old enough to be written again: at most once per
    ``LMS_LAST_SEEN_SECONDS``, so page views do not write."""
    return now - seen_at >= timedelta(seconds=current_app.config["LMS_LAST_SEEN_SECONDS"])


def _refresh(user: User, module: Module, activity: Activity, state, runtime: Runtime) -> None:
    activity_type = registry().activity_type(activity.type_id)
    if activity_type is not None:
        data = activity_type.refresh(activity, dict(state.data), runtime)
        if data != state.data:
            _store(user, module, activity, state, data)


def activity_version(activity: Activity) -> ModuleVersion:
    return db.session.get(ModuleVersion, activity.version_id)


def _activity_progress(
    user: User, activity: Activity, module_progress: ModuleProgress
) -> ActivityProgress:
    mine = sa.select(ActivityProgress).where(
        ActivityProgress.module_progress_id == module_progress.id,
        ActivityProgress.activity_id == activity.id,
    )
    state = db.session.scalar(mine)
    if state is None:
        now = clock.now()
        insert_once(
            db.session,
            ActivityProgress,
            {
                "user_id": user.id,
                "activity_id": activity.id,
                "module_progress_id": module_progress.id,
                "state": IN_PROGRESS,
                "data": {},
                "first_seen_at": now,
                "last_seen_at": now,
            },
            unique=[ActivityProgress.module_progress_id, ActivityProgress.activity_id],
        )
        state = db.session.scalar(mine)
    return state


def submit_activity(
    user: User,
    module: Module,
    activity: Activity,
    form,
    runtime: Runtime,
    *,
    progress: ModuleProgress | None = None,
    state: ActivityProgress | None = None,
):
    """Hand a learner's form to the activity type and store the state it returns; a state
    the type returns unchanged (a quiz's answers saved as the learner goes) is neither
    stored nor evaluated again. ``progress``, ``state``: the learner's current module
    progress and state in the activity when the caller has them.

    Raises ``Invalid`` when the activity's type is no longer installed. Sends
    ``activity_completed`` and ``module_completed`` as they happen.
    """
    activity_type = registry().activity_type(activity.type_id)
    if activity_type is None:
        raise Invalid(_l("This activity cannot be used at the moment; its history is kept."))
    state = open_activity(user, module, activity, progress=progress, state=state)
    data = activity_type.handle(activity, dict(state.data), form, runtime)
    if data != state.data:
        _store(user, module, activity, state, data)
    return state


def _store(user: User, module: Module, activity: Activity, state: ActivityProgress, data) -> None:
    """Keep an activity's new state, and what follows from it for the module."""
    activity_type = registry().activity_type(activity.type_id)
    was_completed = state.is_completed
    state.data = data
    if activity_type.is_completed(activity, data):
        state.state = COMPLETED
        state.completed_at = state.completed_at or clock.now()
    else:
        state.state, state.completed_at = IN_PROGRESS, None
    db.session.flush()
    if state.is_completed and not was_completed:
        signals.activity_completed.send(state, user=user, activity=activity)
    evaluate(user, db.session.get(ModuleProgress, state.module_progress_id))


def refresh_activity(user: User, activity: Activity, runtime: Runtime) -> None:
    """Bring a learner's state in an activity up to date after its type's own records
    changed outside a request of theirs (``activity_state_changed``)."""
    state = db.session.scalar(
        sa.select(ActivityProgress)
        .join(ModuleProgress, ModuleProgress.id == ActivityProgress.module_progress_id)
        .where(
            ActivityProgress.activity_id == activity.id,
            ModuleProgress.user_id == user.id,
            ModuleProgress.superseded_at.is_(None),
        )
    )
    if state is not None:
        module = db.session.get(Module, activity_version(activity).module_id)
        _refresh(user, module, activity, state, runtime)


@signals.activity_state_changed.connect
def _on_activity_state_changed(activity: Activity, user_id: int) -> None:
    user = db.session.get(User, user_id)
    module = db.session.get(Module, activity_version(activity).module_id)
    progress = current_progress(user, module)
    runtime = Runtime(
        user_id=user.id,
        locale=user.locale,
        action_url="",
        since=progress.started_at if progress is not None else None,
    )
    refresh_activity(user, activity, runtime)


def evaluate(user: User, progress: ModuleProgress) -> None:
    """Recompute progress % and completion of one module progress from its activities."""
    activities = activities_of(progress.version_id)
    states = {
        state.activity_id: state
        for state in db.session.scalars(
            sa.select(ActivityProgress).where(ActivityProgress.module_progress_id == progress.id)
        )
    }
    progress.progress_pct = _percent(activities, states)
    if progress.is_completed:
        return  # a completion, once earned on a version, is never taken back
    if _rule_holds(progress.version.manifest.get("completion", {}), activities, states):
        progress.state = COMPLETED
        progress.completed_at = clock.now()
        progress.progress_pct = 100
        assignments.record_completion(progress)
        signals.module_completed.send(progress, user=user)
    db.session.flush()


def _counted(activities: list[Activity]) -> list[Activity]:
    return [activity for activity in activities if activity.required] or activities


def _percent(activities, states) -> int:
    counted = _counted(activities)
    if not counted:
        return 0
    total = 0.0
    for activity in counted:
        activity_type = registry().activity_type(activity.type_id)
        state = states.get(activity.id)
        if activity_type is not None and state is not None:
            total += activity_type.progress(activity, state.data)
    return round(100 * total / len(counted))


def _rule_holds(table: dict, activities, states) -> bool:
    """Whether the version's completion rule holds. A rule whose plugin is no longer
    installed never does: the module waits, its history kept, until it is back."""
    rule = registry().completion_rules.get(table.get("rule", ALL_REQUIRED))
    if rule is None:
        return False
    completed = {
        activity.key
        for activity in activities
        if states.get(activity.id) is not None and states[activity.id].is_completed
    }
    return rule.holds(table, activities, completed)


def move_to_latest(user: User, module: Module) -> ModuleProgress:
    """Move ``user`` from the version they are on to the latest, carrying over what they
    completed in lessons that did not change. The old progress is kept as history.

    A completion earned on the old version stays in the history. Raises ``Invalid`` when
    they are already on the latest version.
    """
    progress = current_progress(user, module)
    latest = latest_version(module.id)
    if progress is None or progress.version_id == latest.id:
        raise Invalid(_l("You are already on the latest version."))
    now = clock.now()
    progress.superseded_at = now
    db.session.flush()
    moved = _start(user, module, latest, cycle=progress.cycle)
    _carry_over(user, progress, moved)
    evaluate(user, moved)
    return moved


def _carry_over(user: User, old: ModuleProgress, new: ModuleProgress) -> None:
    old_activity = sa.orm.aliased(Activity)
    new_activity = sa.orm.aliased(Activity)
    carried = db.session.execute(
        sa.select(ActivityProgress, new_activity.id)
        .join(old_activity, old_activity.id == ActivityProgress.activity_id)
        .join(
            new_activity,
            sa.and_(
                new_activity.version_id == new.version_id,
                new_activity.key == old_activity.key,
                new_activity.content_hash == old_activity.content_hash,
            ),
        )
        .where(ActivityProgress.module_progress_id == old.id)
    ).all()
    db.session.add_all(
        ActivityProgress(
            user_id=user.id,
            activity_id=new_activity_id,
            module_progress_id=new.id,
            state=state.state,
            data=dict(state.data),
            first_seen_at=state.first_seen_at,
            last_seen_at=state.last_seen_at,
            completed_at=state.completed_at,
        )
        for state, new_activity_id in carried
    )
    db.session.flush()


def start_renewal(user: User, module: Module) -> ModuleProgress:
    """Start ``module`` again to renew a completion whose renewal window is open or which
    has expired. The completed progress stays as history; the new cycle starts on the
    latest version with nothing done.

    Raises ``Invalid`` when there is no completion to renew or it is not yet renewable.
    """
    progress = current_progress(user, module)
    if (
        progress is None
        or not progress.is_completed
        or not queries.renewable(user, module, clock.today())
    ):
        raise Invalid(_l("This module cannot be renewed yet."))
    progress.superseded_at = clock.now()
    db.session.flush()
    return _start(user, module, latest_version(module.id), cycle=progress.cycle + 1)


def resume_activity(activities: list, states: dict, progress: ModuleProgress | None):
    """Where "Continue" leads: the activity visited last while it is unfinished, else the
    next unfinished one after it (a finished pre-test or lesson moves the learner on), else
    the first unfinished one; once all are finished, the one visited last."""
    last = progress.last_activity_id if progress else None
    at = next((i for i, activity in enumerate(activities) if activity.id == last), 0)
    for activity in activities[at:] + activities[:at]:
        state = states.get(activity.id)
        if state is None or not state.is_completed:
            return activity
    return activities[at] if activities else None

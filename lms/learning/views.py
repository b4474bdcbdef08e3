from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalogue import authors
from lms.catalogue.models import Module
from lms.catalogue.queries import activities_of, latest_version, module_choices, titles_of
from lms.core import cache, clock
from lms.core.edge import commit
from lms.core.forms import options, submit
from lms.core.i18n import LOCALE_NAMES
from lms.core.paging import paginate_rows
from lms.core.permissions import Role, require_role
from lms.extensions import db
from lms.learning import assignments, bp, queries, services
from lms.learning.forms import CatalogueFilterForm, ManualAssignmentForm
from lms.learning.models import ModuleProgress
from lms.learning.runtime import Runtime
from lms.legal import queries as legal_queries
from lms.notifications.services import unread_count
from lms.org import queries as org_queries
from lms.plugins import registry
from lms.plugins.activity import Capability


def _learner():
    return current_user._get_current_object()


@bp.route("/")
@login_required
def home():
    user = _learner()
    required = queries.my_assignments(user, clock.today())
    return render_template(
        "learning/home.html",
        required=required,
        titles=titles_of([row[0].module_id for row in required], str(get_locale())),
        modules=queries.my_modules(user),
        assignments=org_queries.current_assignments(user, on=clock.today()),
        managed_units=org_queries.managed_units(user),
    )


@bp.route("/catalogue")
@login_required
def catalogue():
    form = CatalogueFilterForm(request.args)
    form.competency.choices = options(
        [("", _("All competencies"))] + [(code, code) for code in queries.competency_codes()]
    )
    form.language.choices = options([("", _("All languages")), *LOCALE_NAMES.items()])
    form.validate()
    page = paginate_rows(
        queries.catalogue(
            _learner(),
            search=form.q.data or "",
            competency=form.competency.data or "",
            language=form.language.data or "",
        )
    )
    return render_template("learning/catalogue.html", form=form, page=page)


def _module_or_404(slug: str):
    module = queries.module_by_slug(slug)
    if module is None:
        abort(404)
    return module


@bp.route("/modules/<slug>")
@login_required
def module(slug: str):
    user = _learner()
    module = _module_or_404(slug)
    progress = services.current_progress(user, module)
    if module.retired_at is not None and progress is None:
        abort(404)
    version = progress.version if progress else latest_version(module.id)
    latest = latest_version(module.id)
    activities = activities_of(version.id)
    states = queries.activity_states(user, version.id)
    return render_template(
        "learning/module_detail.html",
        module=module,
        version=version,
        progress=progress,
        activities=activities,
        states=states,
        resume=services.resume_activity(activities, states, progress),
        newer=latest if latest.id != version.id else None,
        history=queries.completed_versions(user, module),
        assigned=queries.assignment_of(user, module, clock.today()),
        reads_bank=authors.reads(user, module),
        manages=authors.manages(user, module),
        review=legal_queries.latest_review(version.id),
        law_notices=legal_queries.learner_notices(
            module.id,
            today=clock.today(),
            after_days=current_app.config["LMS_LAW_NOTICE_AFTER_DAYS"],
        ),
        # Activities whose type's plugin is not installed: the page says so.
        unavailable=[
            a.title(str(get_locale()))
            for a in activities
            if registry().activity_type(a.type_id) is None
        ],
        graded=[a for a in activities if registry().can(a.type_id, Capability.GRADED)],
    )


def _activity_in(key: str, activities):
    for index, activity in enumerate(activities):
        if activity.key == key:
            return index, activity
    abort(404)


def _runtime(slug: str, key: str, progress: ModuleProgress | None) -> Runtime:
    return Runtime(
        user_id=current_user.id,
        locale=str(get_locale()),
        action_url=url_for("learning.activity", slug=slug, key=key),
        params=request.args,
        since=progress.started_at if progress is not None else None,
    )


def _wants_json() -> bool:
    """A script saving as the learner goes (``quiz.js``) asks for JSON, not a page."""
    return request.accept_mimetypes.best == "application/json"


def _flash_notices(runtime: Runtime) -> None:
    for message in runtime.messages:
        flash(str(message), "info")


def _where_in(user, slug: str, key: str):
    """(module, the learner's current progress or None, the version they work on, its
    activities, the index of activity ``key`` in them); 404 when there is no such activity."""
    module = _module_or_404(slug)
    progress = services.current_progress(user, module)
    version = progress.version if progress else latest_version(module.id)
    if version is None:
        abort(404)
    activities = activities_of(version.id)
    index, _activity = _activity_in(key, activities)
    return module, progress, version, activities, index


def _following(activities, index: int):
    return activities[index + 1] if index + 1 < len(activities) else None


@bp.route("/modules/<slug>/<key>", methods=["GET", "POST"])
@login_required
def activity(slug: str, key: str):
    user = _learner()
    if request.method == "POST":
        return _submit(user, slug, key)
    unchanged = _unchanged_reading(user, slug, key)
    if unchanged is not None:
        return unchanged
    module, progress, version, activities, index = _where_in(user, slug, key)
    activity = activities[index]
    runtime = _runtime(slug, key, progress)
    state = services.seen_activity(user, progress, activity, runtime)
    if state is None:
        opened = commit(
            lambda: services.open_activity(user, module, activity, runtime, progress=progress)
        )
        if not opened:
            return redirect(url_for("learning.catalogue"))
        state = opened.value
    _flash_notices(runtime)
    progress = progress or db.session.get(ModuleProgress, state.module_progress_id)
    etag = _reading_etag(
        activity.type_id,
        version_hash=version.content_hash,
        activity_hash=activity.content_hash,
        state=state.state,
        data=state.data,
        progress_state=progress.state,
        progress_pct=progress.progress_pct,
        unread=unread_count(user),
    )

    def render() -> str:
        activity_type = registry().activity_type(activity.type_id)
        # The type renders through its own autoescaped template; the page inserts that as is.
        body = activity_type.render(activity, state.data, runtime) if activity_type else None
        return render_template(
            "learning/activity_detail.html",
            module=module,
            version=version,
            activity=activity,
            body=body,
            position=index + 1,
            total=len(activities),
            previous=activities[index - 1] if index > 0 else None,
            following=_following(activities, index),
            progress=progress,
        )

    return cache.page_response(etag, _page_key(), render)


def _submit(user, slug: str, key: str):
    """A learner's form for activity ``key``: an activity they already work in (a quiz's
    answer saved as they go) is found in one statement; anything else as a page finds it."""
    working = queries.working_in(user.id, slug, key)
    if working is not None:
        module, progress, activity, state = working
    else:
        module, progress, _version, activities, index = _where_in(user, slug, key)
        activity, state = activities[index], None
    runtime = _runtime(slug, key, progress)
    wants_json = _wants_json()
    submitted = commit(
        lambda: services.submit_activity(
            user, module, activity, request.form, runtime, progress=progress, state=state
        ),
        quiet=wants_json,
    )
    if not submitted:
        if wants_json:
            return jsonify(error=str(submitted.refusal.message)), submitted.refusal.status
        return redirect(runtime.action_url)
    state = submitted.value
    if wants_json:
        # A notice here means the answer was not kept (the time was up).
        notices = [str(message) for message in runtime.messages]
        return jsonify(saved=not notices, notices=notices)
    _flash_notices(runtime)
    if runtime.messages or request.form.get("stay"):
        return redirect(runtime.action_url)
    if state.is_completed:
        activities = activities_of(activity.version_id)
        following = _following(activities, _activity_in(key, activities)[0])
        if following is not None:
            return redirect(url_for("learning.activity", slug=slug, key=following.key))
        return redirect(url_for("learning.module", slug=slug))
    return redirect(runtime.action_url)


def _unchanged_reading(user, slug: str, key: str):
    """A text the learner opens again with nothing to record, whose page this process has
    already rendered (or the browser holds: 304), answered from one statement without
    loading the module, the learner's objects or rendering; None for anything else."""
    seen = queries.visit(user.id, slug, key)
    if seen is None or not services.is_still_current(
        seen.last_activity_id, seen.activity_id, seen.progress_seen_at, seen.state_seen_at
    ):
        return None
    etag = _reading_etag(
        seen.type_id,
        version_hash=seen.version_hash,
        activity_hash=seen.activity_hash,
        state=seen.state,
        data=seen.data,
        progress_state=seen.progress_state,
        progress_pct=seen.progress_pct,
        unread=seen.unread,
    )
    return None if etag is None else cache.cached_response(etag, _page_key())


def _page_key() -> str:
    # What the validator names (the person included), the page at this address shows.
    return "\0".join(("reading", cache.address()))


def _reading_etag(type_id: str, **shown) -> str | None:
    """The validator of a text's page (``Capability.READING``: no records of its own, so
    its state is all the page shows of it): the page changes only with what is ``shown``
    of the content (its version's hash names the titles, the activity's its text), of the
    learner's state in it and in the module and the unread count in the menu; with what
    ``cache.validator`` adds (the person, the language, the CSRF session). None for other
    types (a quiz's page tells the time), and when notices are waiting to be shown."""
    if not registry().can(type_id, Capability.READING):
        return None
    return cache.validator([shown])


def _module_action(slug: str, action, done_message: str):
    """Run a learner's ``action`` on the module, then back to its page with the outcome."""
    module = _module_or_404(slug)
    commit(lambda: action(_learner(), module), done=done_message)
    return redirect(url_for("learning.module", slug=slug))


@bp.route("/modules/<slug>/move", methods=["POST"])
@login_required
def move_to_latest(slug: str):
    return _module_action(
        slug,
        services.move_to_latest,
        _("You are now on the latest version; finished lessons that did not change are kept."),
    )


@bp.route("/modules/<slug>/renew", methods=["POST"])
@login_required
def renew(slug: str):
    return _module_action(
        slug,
        services.start_renewal,
        _("Renewal started: complete the module again to renew your certificate."),
    )


def _manual_form() -> ManualAssignmentForm:
    form = ManualAssignmentForm()
    form.module.choices = options(module_choices(str(get_locale())))
    return form


@bp.route("/people/<int:user_id>/training", methods=["GET", "POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def person_training(user_id: int):
    person = org_queries.person_in_scope(_learner(), user_id, on=clock.today()) or abort(404)
    form = _manual_form()

    def assign():
        module = db.get_or_404(Module, form.module.data)
        assignments.assign_manually(_learner(), person, module, due_on=form.due_on.data)

    if submit(form, assign):
        flash(_("Module assigned to %(name)s.", name=person.full_name), "success")
        return redirect(url_for("learning.person_training", user_id=person.id))
    required = queries.my_assignments(person, clock.today())
    return render_template(
        "learning/person_training.html",
        person=person,
        required=required,
        titles=titles_of([row[0].module_id for row in required], str(get_locale())),
        form=form,
    )

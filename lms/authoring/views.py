"""Trainers' module authoring pages. The blueprint lets in trainers and admins only; every
change goes through ``lms.authoring.services`` with the signed-in user as the actor."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.assessment import gift
from lms.assessment.rendering import inline_html, text_html
from lms.authoring import bp, forms, preview, queries, services
from lms.authoring.forms import QUESTION_FORMS
from lms.authoring.question_forms import TYPE_LABELS, form_data, question_from
from lms.catalogue import authors
from lms.catalogue.queries import latest_versions
from lms.core import clock
from lms.core.db import end_read_transaction
from lms.core.edge import commit
from lms.core.errors import Invalid, PermissionDenied
from lms.core.forms import options, submit
from lms.core.markdown import scrollable_tables
from lms.core.permissions import Role, require_role
from lms.extensions import db
from lms.learning.runtime import Runtime
from lms.legal import queries as legal_queries
from lms.legal import services as legal_services
from lms.needs import queries as needs_queries
from lms.plugins import registry
from lms.plugins.activity import Capability

MAX_GIFT_BYTES = 1024 * 1024


@bp.before_request
@require_role(Role.TRAINER, Role.ADMIN)
def _trainers_only():
    """Authoring is for trainers and admins, checked once for every page."""


def _actor():
    return current_user._get_current_object()


def _module(slug: str, *, edit: bool = False):
    """The module by slug among those the actor may read (404 for any other, by the rule of
    ``lms.catalogue.authors``), which they may edit when ``edit`` (403 with the reason for a
    module from a course plugin)."""
    module = authors.readable_module(_actor(), slug)
    if module is None:
        abort(404)
    if edit:
        services.ensure_editable(_actor(), module)
    return module


def _draft_activity(slug: str, key: str, capability: Capability):
    """The editable module, its working copy and the table of its activity ``key``, whose
    type has ``capability`` (404 otherwise)."""
    module = _module(slug, edit=True)
    view = services.working_copy(module)
    table = view.activity(key)
    if not registry().can(table["type"], capability):
        abort(404)
    return module, view, table


def editor_url(slug: str, table: dict, **args) -> str | None:
    """The address of the activity's editor; None when its type is not written here."""
    authoring = services.authoring_of(table["type"])
    if authoring is None:
        return None
    return url_for(
        "authoring.activity_edit",
        slug=slug,
        segment=authoring.url_segment,
        key=table["key"],
        **args,
    )


@bp.context_processor
def _activity_types():
    types = registry().activity_types
    return {
        "editor_url": editor_url,
        "type_labels": {type_id: activity_type.label for type_id, activity_type in types.items()},
    }


def _module_form(manifest: dict | None = None) -> forms.ModuleForm:
    """The module form, its competency picker made of the framework (and of any code the
    ``manifest`` names that the framework lacks, so saving keeps it)."""
    current = {item["code"]: item["level"] for item in (manifest or {}).get("competencies", [])}
    form = forms.module_form(needs_queries.competencies(), _locale(), current)
    form.completion_rule.choices = options(
        (rule.name, rule.label) for rule in registry().completion_rules.values()
    )
    return form


def _activity_form() -> forms.ActivityForm:
    form = forms.ActivityForm()
    form.type_id.choices = options(
        (activity_type.type_id, activity_type.label)
        for activity_type in registry().types_with(Capability.AUTHORABLE)
    )
    return form


def _locale() -> str:
    return str(get_locale())


def _overview(slug: str):
    return redirect(url_for("authoring.module_detail", slug=slug))


def _review_states(module_ids):
    return legal_queries.review_states(
        latest_versions(module_ids),
        today=clock.today(),
        soon=current_app.config["LMS_DUE_SOON_DAYS"],
    )


@bp.route("/")
def module_list():
    rows = queries.modules_for(_actor())
    return render_template(
        "authoring/module_list.html",
        rows=rows,
        web=services.WEB,
        reviews=_review_states([row[0].id for row in rows]),
    )


@bp.route("/modules/new", methods=["GET", "POST"])
def module_create():
    form = _module_form()
    if request.method == "GET":
        form.estimated_minutes.data = 30
    created = {}

    def create():
        created["module"] = services.create_module(_actor(), slug=form.slug.data, **form.fields())

    if submit(form, create):
        flash(_("Module created. Add its lessons and quizzes, then publish it."), "success")
        return _overview(created["module"].slug)
    return render_template("authoring/module_form.html", form=form, module=None)


@bp.route("/modules/<slug>")
def module_detail(slug: str):
    module = _module(slug)
    actor = _actor()
    editable = module.source == services.WEB
    view = services.working_copy(module)
    draft = services.draft_of(module)
    versions = queries.versions(module)
    return render_template(
        "authoring/module_detail.html",
        module=module,
        view=view,
        draft=draft,
        editable=editable,
        versions=versions,
        authors=queries.authors(module) if editable else [],
        is_owner=editable
        and any(user.id == actor.id and owner for user, owner in queries.authors(module)),
        activity_form=_activity_form(),
        coauthor_form=forms.CoauthorForm(),
        slug_form=forms.SlugForm(),
        media_form=forms.MediaForm(),
        problems=services.draft_problems(view) if draft else [],
        review=_review_states([module.id]).get(module.id),
        reviews=legal_queries.reviews_of(module.id),
        review_form=forms.ReviewForm(unit=legal_queries.last_unit_of(actor)),
    )


@bp.route("/modules/<slug>/reviews", methods=["POST"])
def module_review(slug: str):
    """A trainer records that they reviewed the latest version against the register."""
    module = _module(slug)
    form = forms.ReviewForm()
    if submit(form, lambda: legal_services.record_review(_actor(), module, unit=form.unit.data)):
        flash(_("Your review of the latest version is recorded."), "success")
    else:
        for message in [*form.form_errors, *form.unit.errors]:
            flash(message, "error")
    return _overview(slug)


@bp.route("/modules/<slug>/settings", methods=["GET", "POST"])
def module_settings(slug: str):
    module = _module(slug, edit=True)
    manifest = services.working_copy(module).manifest
    form = _module_form(manifest)
    if request.method == "GET":
        form.fill(manifest)
    form.slug.data = module.slug

    def save():
        services.update_settings(_actor(), module, **form.fields())

    if submit(form, save):
        flash(_("Module settings saved in the draft."), "success")
        return _overview(slug)
    return render_template("authoring/module_form.html", form=form, module=module)


@bp.route("/modules/<slug>/activities", methods=["POST"])
def activity_add(slug: str):
    module = _module(slug, edit=True)
    form = _activity_form()
    added = {}

    def add():
        added["key"] = services.add_activity(
            _actor(), module, type_id=form.type_id.data, key=form.key.data, title=form.titles()
        )

    if submit(form, add):
        flash(_("Activity added to the draft."), "success")
        table = services.working_copy(module).activity(added["key"])
        return redirect(editor_url(slug, table))
    for error in [*form.form_errors, *[e for f in form for e in f.errors]]:
        flash(str(error), "error")
    return _overview(slug)


def _simple_change(slug: str, action, done: str):
    """Run a one-button change (CSRF-checked) and go back to the module."""
    module = _module(slug, edit=True)
    form = forms.Form()
    if not form.validate_on_submit():
        abort(400)
    commit(lambda: action(module), done=done)
    return module


@bp.route("/modules/<slug>/activities/<key>/move", methods=["POST"])
def activity_move(slug: str, key: str):
    offset = -1 if request.form.get("direction") == "up" else 1
    _simple_change(
        slug,
        lambda module: services.move_activity(_actor(), module, key, offset),
        _("Activity moved."),
    )
    return _overview(slug)


@bp.route("/modules/<slug>/activities/<key>/remove", methods=["POST"])
def activity_remove(slug: str, key: str):
    _simple_change(
        slug,
        lambda module: services.remove_activity(_actor(), module, key),
        _("Activity removed from the draft."),
    )
    return _overview(slug)


# An activity's editor ----------------------------------------------------------------------


@bp.route("/modules/<slug>/<segment>/<key>", methods=["GET", "POST"])
def activity_edit(slug: str, segment: str, key: str):
    """The editor of an activity, made from what its type declares (``ActivityAuthoring``);
    an activity with a question bank also gets the bank's editor on the page."""
    module = _module(slug, edit=True)
    view = services.working_copy(module)
    table = view.activity(key)
    authoring = services.authoring_of(table["type"])
    if authoring is None or authoring.url_segment != segment:
        abort(404)
    languages = view.manifest["languages"]
    form = forms.editor_form(authoring.fields)
    if request.method == "GET":
        form.fill(table["title"], authoring.to_form(table, view.files, languages))
    previews = None
    if request.method == "POST" and request.form.get("action") == "preview":
        # Rendered by the server through the path learners get; nothing is saved.
        if form.validate_on_submit():
            texts = form.markdown_texts()
            previews = {
                code: _lesson_body(preview.lesson_html(slug, texts[code], view.media, code))
                for code in languages
            }
    elif submit(
        form,
        lambda: services.save_activity(
            _actor(), module, key, title=form.titles(), values=form.values()
        ),
    ):
        flash(_("Saved in the draft."), "success")
        return redirect(editor_url(slug, table))
    return _editor_page(module, view, table, form, previews=previews)


def _editor_page(module, view, table, form, *, gift_form=None, **extra):
    languages = view.manifest["languages"]
    activity_type = registry().activity_type(table["type"])
    graded = Capability.GRADED in activity_type.capabilities
    if graded:
        extra.update(_bank_context(view, table))
        if gift_form is None:
            gift_form = forms.GiftForm(formdata=None)
            forms.gift_language_choices(gift_form, languages)
    return render_template(
        "authoring/activity_form.html",
        module=module,
        view=view,
        table=table,
        form=form,
        activity_type=activity_type,
        fields=activity_type.authoring.fields,
        markdown=any(field.kind == "markdown" for field in activity_type.authoring.fields),
        graded=graded,
        gift_form=gift_form,
        languages=languages,
        media_form=forms.MediaForm(),
        uploaded=request.args.get("uploaded"),
        **extra,
    )


def _bank_context(view, table) -> dict:
    banks, bank_problems = {}, []
    for code in view.manifest["languages"]:
        try:
            banks[code] = services.questions_of(view, table["key"], code)
        except gift.GiftError as error:
            banks[code] = []
            bank_problems += error.problems
    return {
        "banks": banks,
        "bank_problems": bank_problems,
        "type_labels_of_questions": TYPE_LABELS,
        "text_html": text_html,
    }


def _lesson_body(html: str) -> str:
    return scrollable_tables(html, _("Table (scrolls sideways on small screens)"))


@bp.route("/modules/<slug>/media", methods=["POST"])
def media_upload(slug: str):
    module = _module(slug, edit=True)
    form = forms.MediaForm()
    back = (
        services.working_copy(module).activity(request.form["activity"])
        if (request.form.get("activity"))
        else None
    )
    target = (editor_url(slug, back) if back else None) or url_for(
        "authoring.module_detail", slug=slug
    )
    if not form.validate_on_submit():
        flash(_("Choose a file to upload."), "error")
        return redirect(target)
    upload = form.file.data
    data = upload.read(services.MAX_MEDIA_BYTES + 1)
    uploaded = commit(
        lambda: services.upload_media(_actor(), module, upload.filename or "file", data)
    )
    if not uploaded:
        return redirect(target)
    path = uploaded.value
    flash(
        _("File uploaded. Put it in a lesson with: %(snippet)s", snippet=_snippet(path)), "success"
    )
    if back and editor_url(slug, back):
        return redirect(editor_url(slug, back, uploaded=path))
    return redirect(target)


def _snippet(path: str) -> str:
    if path.endswith(".pdf"):
        return f"[{path}](../../media/{path})"
    return f"![{_('Describe the image')}](../../media/{path})"


@bp.route("/modules/<slug>/media/<digest>/<path:path>")
def media(slug: str, digest: str, path: str):
    module = _module(slug)
    draft = services.draft_of(module)
    blob = queries.media_blob(module, digest, path, draft.data["media"] if draft else {})
    if blob is None or len(digest) < 8:
        abort(404)
    response = Response(blob.data, mimetype=blob.content_type)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# Quizzes ----------------------------------------------------------------------------------


@bp.route("/modules/<slug>/quizzes/<key>/gift", methods=["POST"])
def quiz_gift(slug: str, key: str):
    module, view, table = _draft_activity(slug, key, Capability.GRADED)
    gift_form = forms.GiftForm()
    forms.gift_language_choices(gift_form, view.manifest["languages"])
    authoring = services.authoring_of(table["type"])
    editor = forms.editor_form(authoring.fields, formdata=None)
    editor.fill(table["title"], authoring.to_form(table, view.files, view.manifest["languages"]))
    problems = []
    if gift_form.validate_on_submit():
        data = gift_form.gift_file.data.read(MAX_GIFT_BYTES + 1)

        def import_file():
            if len(data) > MAX_GIFT_BYTES:
                raise Invalid(_("The file is larger than 1 MiB."))
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise Invalid(_("The file is not UTF-8 text: save it as UTF-8.")) from error
            return services.import_gift(_actor(), module, key, gift_form.language.data, text)

        imported = commit(import_file, quiet=True)
        if imported:
            flash(_("%(count)d questions added to the draft.", count=imported.value), "success")
            return redirect(editor_url(slug, table))
        if isinstance(imported.refusal, gift.GiftError):
            problems = imported.refusal.problems
        else:
            gift_form.gift_file.errors.append(imported.refusal.message)
    page = _editor_page(module, view, table, editor, gift_form=gift_form, gift_problems=problems)
    return page, 422


def _question_form(type_id: str, question=None):
    form_class = QUESTION_FORMS.get(type_id)
    if form_class is None:
        abort(404)
    if question is not None and request.method == "GET":
        return form_class(data=form_data(question))
    return form_class()


@bp.route("/modules/<slug>/quizzes/<key>/questions/new", methods=["GET", "POST"])
@bp.route("/modules/<slug>/quizzes/<key>/questions/<int:item_id>", methods=["GET", "POST"])
def question_edit(slug: str, key: str, item_id: int | None = None):
    """A question's form; ``item_id`` is its index in the bank of ``?language=``."""
    index = item_id
    language = request.args.get("language", "")
    module, view, table = _draft_activity(slug, key, Capability.GRADED)
    if language not in view.manifest["languages"]:
        abort(404)
    existing = None
    if index is not None:
        questions = services.questions_of(view, key, language)
        if not 0 <= index < len(questions):
            abort(404)
        existing = questions[index]
        type_id = existing.type_id
    else:
        type_id = request.args.get("type", "single_choice")
    form = _question_form(type_id, existing)

    def save():
        question = question_from(form, type_id, existing)
        services.save_question(_actor(), module, key, language, index, question)

    if submit(form, save):
        flash(_("Question saved in the draft."), "success")
        return redirect(editor_url(slug, table) + "#bank-" + language)
    return render_template(
        "authoring/question_form.html",
        module=module,
        view=view,
        table=table,
        form=form,
        type_id=type_id,
        type_label=TYPE_LABELS.get(type_id, type_id),
        language=language,
        index=index,
    )


@bp.route("/modules/<slug>/quizzes/<key>/questions/<int:item_id>/remove", methods=["POST"])
def question_remove(slug: str, key: str, item_id: int):
    language = request.form.get("language", "")
    _simple_change(
        slug,
        lambda module: services.remove_question(_actor(), module, key, language, item_id),
        _("Question removed from the draft."),
    )
    module = _module(slug, edit=True)
    return redirect(editor_url(slug, services.working_copy(module).activity(key)))


# Publishing, versions, preview ------------------------------------------------------------


@bp.route("/modules/<slug>/publish", methods=["POST"])
def module_publish(slug: str):
    module = _module(slug, edit=True)
    if not forms.Form().validate_on_submit():
        abort(400)
    published = commit(lambda: services.publish(_actor(), module, registry()), quiet=True)
    if isinstance(published.refusal, services.DraftProblems):
        return _problems_page(module, published.refusal), 422
    if not published:
        flash(published.refusal.message, "error")
        return _overview(slug)
    version = published.value
    flash(
        _(
            "Version %(number)d is published. Learners who started or completed an earlier "
            "version keep it and are told about the new one.",
            number=version.number,
        ),
        "success",
    )
    return _overview(slug)


def _problems_page(module, error):
    return render_template(
        "authoring/problems.html", module=module, message=error.message, problems=error.problems
    )


@bp.route("/modules/<slug>/discard", methods=["POST"])
def module_discard(slug: str):
    _simple_change(
        slug,
        lambda module: services.discard(_actor(), module),
        _("Draft discarded: the module is as its latest version."),
    )
    return _overview(slug)


@bp.route("/modules/<slug>/versions")
def module_versions(slug: str):
    module = _module(slug)
    versions = queries.versions(module)
    numbers = [version.number for version, _name in versions]
    old = request.args.get("from", type=int)
    new = request.args.get("to", type=int)
    changes = None
    if old and new:
        if old not in numbers or new not in numbers:
            abort(404)
        changes = queries.diff(
            services.version_of(module, old), services.version_of(module, new), registry()
        )
    elif len(numbers) >= 2:
        new, old = numbers[0], numbers[1]
    return render_template(
        "authoring/version_list.html",
        module=module,
        versions=versions,
        numbers=numbers,
        old=old,
        new=new,
        changes=changes,
    )


def _preview_source(module):
    """(activities, title texts, label, draft) of the version asked for, else of the draft
    (``draft`` None for a version)."""
    number = request.args.get("version", type=int)
    if number is not None:
        version = services.version_of(module, number)
        return preview.of_version(version, registry()), version.manifest, number, None
    view = services.working_copy(module)
    return preview.of_draft(module.slug, view, registry()), view.manifest, None, view


@bp.route("/modules/<slug>/preview", methods=["GET", "POST"])
def module_preview(slug: str):
    """The module as a learner sees it, activity by activity; answers to a quiz are graded
    on the page and nothing is recorded."""
    module = _module(slug)
    activities, manifest, number, view = _preview_source(module)
    if not activities:
        flash(_("The module has no activities to preview yet."), "info")
        return _overview(slug)
    key = request.args.get("key") or activities[0].key
    index = next((i for i, a in enumerate(activities) if a.key == key), None)
    if index is None:
        abort(404)
    locale = _locale() if _locale() in manifest["languages"] else manifest["languages"][0]
    activity = activities[index]
    if request.method == "POST" and not forms.Form().validate_on_submit():
        abort(400)
    graded = body = None
    if activity.kind == preview.GRADED and request.method == "POST":
        graded = _grade_preview(activity.banks.get(locale, []))
    elif activity.kind == preview.READING:
        body = _lesson_body(activity.html.get(locale, ""))
    elif activity.kind == preview.RENDERED:
        if view is not None:
            activity.content = preview.draft_content(view, activity.key, registry())
        body = _rendered(activity, locale)
    return render_template(
        "authoring/module_preview.html",
        module=module,
        manifest=manifest,
        number=number,
        activities=activities,
        activity=activity,
        position=index,
        locale_shown=locale,
        body=body,
        questions=_public(activity.banks.get(locale, [])),
        graded=graded,
        text_html=text_html,
        inline_html=inline_html,
    )


def _rendered(activity, locale: str) -> str | None:
    """The activity as its type renders it for a learner who has not started it, or after
    the posted form when there is one; nothing is recorded. None when the draft's activity
    does not parse yet."""
    if activity.content is None:
        return None
    activity_type = registry().activity_type(activity.type_id)
    runtime = Runtime(
        user_id=_actor().id,
        locale=locale,
        action_url=request.full_path,
        preview=True,
        params=request.args,
    )
    state: dict = {}
    if request.method == "POST":
        state = activity_type.handle(activity, state, request.form, runtime)
    return activity_type.render(activity, state, runtime)


def _types():
    return registry().question_types


def _public(questions):
    types = _types()
    return [types.get(q.type_id).public(q) for q in questions if types.get(q.type_id)]


def _grade_preview(questions):
    """Per question: (fraction, feedback, right answers), from the posted answers; nothing
    is stored."""
    types = _types()
    results = []
    for slot, question in enumerate(questions):
        question_type = types.get(question.type_id)
        if question_type is None:
            continue
        try:
            response = question_type.parse_response(
                question, request.form.getlist(f"answer-{slot}")
            )
        except Invalid:
            response = None
        graded = question_type.grade(question, response)
        results.append(
            (
                graded.fraction,
                [*graded.feedback, question.general_feedback],
                question_type.correct_answers(question),
            )
        )
    return results


# Export, import, duplicate, co-authors ----------------------------------------------------


@bp.route("/modules/<slug>/export")
def module_export(slug: str):
    module = _module(slug)
    version = services.version_of(module, request.args.get("version", type=int))
    data = commit(lambda: services.export_zip(_actor(), module, version, registry())).value
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{module.slug}-v{version.number}.zip"'
        },
    )


@bp.route("/import", methods=["GET", "POST"])
def module_import():
    form = forms.ImportForm()
    problems = []
    if form.validate_on_submit():
        data = form.package.data.read(services.packages.MAX_ZIP_BYTES + 1)
        # Unpacking and checking take seconds, which SQLite's write lock must not wait for.
        end_read_transaction(db.session)
        try:
            imported = commit(lambda: services.import_zip(_actor(), data, registry()), form=form)
        except PermissionDenied as error:
            form.form_errors.append(error.message)
        else:
            if imported:
                flash(_("Module imported and published."), "success")
                return _overview(imported.value.slug)
            if isinstance(imported.refusal, services.DraftProblems):
                problems = imported.refusal.problems
    status = 422 if request.method == "POST" else 200
    return render_template("authoring/module_import.html", form=form, problems=problems), status


@bp.route("/modules/<slug>/duplicate", methods=["POST"])
def module_duplicate(slug: str):
    module = _module(slug)
    form = forms.SlugForm()
    copied = {}

    def copy():
        copied["module"] = services.duplicate(_actor(), module, form.slug.data)

    if submit(form, copy):
        flash(_("Copy made: you can edit it and publish it as a module of its own."), "success")
        return _overview(copied["module"].slug)
    for error in [*form.form_errors, *form.slug.errors]:
        flash(str(error), "error")
    return _overview(slug)


@bp.route("/modules/<slug>/authors", methods=["POST"])
def author_add(slug: str):
    module = _module(slug, edit=True)
    form = forms.CoauthorForm()
    if submit(form, lambda: services.add_coauthor(_actor(), module, form.username.data)):
        flash(_("Co-author added."), "success")
    else:
        for error in [*form.form_errors, *form.username.errors]:
            flash(str(error), "error")
    return _overview(slug)

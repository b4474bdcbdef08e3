"""Trainers' quiz pages: a quiz's finished attempts, the review of one, how each question
of its bank does, and the bank itself. The blueprint lets in trainers and admins only
(``lms.assessment.bp``); each page then looks its quiz or attempt up among the modules the
rule of ``lms.catalogue.authors`` lets the actor manage (or, for the bank, read), so any
other is not found."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectField

from lms.assessment import bp, gift, queries, services
from lms.assessment.forms import GiftImportForm, GiftUploadForm
from lms.assessment.rendering import text_html
from lms.catalogue import authors
from lms.catalogue.services import WEB
from lms.core.edge import commit
from lms.core.forms import Form, options
from lms.core.i18n import LOCALE_NAMES
from lms.core.paging import paginate_rows


class VersionFilterForm(Form):
    """Which module version a page is about (a GET filter: no CSRF token)."""

    class Meta:
        csrf = False

    version = SelectField(_l("Module version"), coerce=int, choices=[], validate_choice=False)


def _question_types():
    # The installed question types, from the plugin registry kept on the app:
    # ``lms.plugins`` itself is not among what assessment may import (ARCHITECTURE.md §2).
    return current_app.extensions["lms.plugins"].question_types


def _duration(started, finished) -> str:
    """A duration as h:mm:ss or m:ss."""
    seconds = int((finished - started) / timedelta(seconds=1)) if finished else 0
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _actor():
    return current_user._get_current_object()


def _quiz_or_404(slug: str, key: str, modules) -> list:
    versions = queries.quiz_versions(slug, key, modules)
    if not versions:
        abort(404)
    return versions


def _version_form(versions, *, everything: str | None = None) -> VersionFilterForm:
    form = VersionFilterForm(request.args)
    choices = [
        (
            version.number,
            ngettext(
                "Version %(number)d (%(num)d attempt)",
                "Version %(number)d (%(num)d attempts)",
                finished,
                number=version.number,
            ),
        )
        for _activity, version, finished in versions
    ]
    form.version.choices = options(([(0, everything)] if everything else []) + choices)
    return form


@bp.route("/modules/<slug>/quizzes/<key>/attempts")
def quiz_attempts(slug: str, key: str):
    versions = _quiz_or_404(slug, key, authors.managed_by(_actor()))
    form = _version_form(versions, everything=_("All versions"))
    chosen = [row for row in versions if row.ModuleVersion.number == form.version.data]
    if form.version.data and not chosen:
        abort(404)
    activities = [row.Activity.id for row in chosen or versions]
    return render_template(
        "assessment/attempt_list.html",
        form=form,
        quiz=versions[0].Activity,
        version=versions[0].ModuleVersion,
        slug=slug,
        key=key,
        page=paginate_rows(queries.finished_attempts(activities)),
        duration=_duration,
    )


@bp.route("/modules/<slug>/quizzes/<key>/questions")
def quiz_questions(slug: str, key: str):
    versions = _quiz_or_404(slug, key, authors.managed_by(_actor()))
    form = _version_form(versions)
    chosen = next((row for row in versions if row.ModuleVersion.number == form.version.data), None)
    if form.version.data and chosen is None:
        abort(404)
    chosen = chosen or versions[0]
    form.version.data = chosen.ModuleVersion.number
    content = queries.quiz_content(chosen.Activity.id)
    return render_template(
        "assessment/question_list.html",
        form=form,
        quiz=chosen.Activity,
        version=chosen.ModuleVersion,
        finished=chosen.finished,
        slug=slug,
        key=key,
        stats=queries.question_stats(chosen.Activity.id, content["banks"]),
        types=_question_types(),
        text_html=text_html,
        limits={
            "answers": queries.MIN_ANSWERS,
            "hard": round(queries.TOO_HARD * 100),
            "easy": round(queries.TOO_EASY * 100),
            "discrimination": queries.LOW_DISCRIMINATION,
            "group": queries.GROUP_PERCENT,
        },
    )


@bp.route("/attempts/<int:attempt_id>")
def attempt_review(attempt_id: int):
    row = queries.finished_attempt(attempt_id, authors.managed_by(_actor()))
    if row is None:
        abort(404)
    attempt, activity, version = row.QuizAttempt, row.Activity, row.ModuleVersion
    types = _question_types()
    return render_template(
        "assessment/attempt_detail.html",
        attempt=attempt,
        quiz=activity,
        version=version,
        learner=row,
        review=services.graded_slots(attempt, activity, types),
        types=types,
        text_html=text_html,
        duration=_duration,
    )


def _latest_quiz(slug: str, key: str, modules):
    latest = _quiz_or_404(slug, key, modules)[0]
    return latest.Activity, latest.ModuleVersion


def _bank_page(slug: str, key: str, upload: GiftUploadForm, **preview):
    quiz, version = _latest_quiz(slug, key, authors.readable_by(_actor()))
    return render_template(
        "assessment/bank_detail.html",
        quiz=quiz,
        version=version,
        slug=slug,
        key=key,
        banks={language: services.bank(quiz, language) for language in quiz.content["banks"]},
        editable=version.module.source == WEB,
        upload=upload,
        types=_question_types(),
        text_html=text_html,
        **preview,
    )


def _upload_form(quiz) -> GiftUploadForm:
    form = GiftUploadForm()
    form.language.choices = options(
        [(code, LOCALE_NAMES.get(code, code)) for code in quiz.content["banks"]]
    )
    return form


@bp.route("/modules/<slug>/quizzes/<key>/bank", methods=["GET", "POST"])
def quiz_bank(slug: str, key: str):
    """The quiz's bank in its latest version; a GIFT file uploaded here is previewed (its
    questions, or every problem by line) before anything is saved. Whoever may read the
    module's content sees its bank; adding to it is for those who manage it."""
    quiz, _version = _latest_quiz(slug, key, authors.readable_by(_actor()))
    form = _upload_form(quiz)
    if not form.validate_on_submit():
        return _bank_page(slug, key, form)
    text = form.gift_text()
    if text is None:
        return _bank_page(slug, key, form)
    try:
        questions = gift.parse(text)
    except gift.GiftError as error:
        return _bank_page(slug, key, form, problems=error.problems)
    return _bank_page(
        slug,
        key,
        form,
        preview=questions,
        confirm=GiftImportForm(gift=text, language=form.language.data),
        preview_language=form.language.data,
    )


@bp.route("/modules/<slug>/quizzes/<key>/bank/import", methods=["POST"])
def quiz_bank_import(slug: str, key: str):
    quiz, version = _latest_quiz(slug, key, authors.managed_by(_actor()))
    form = GiftImportForm()
    if not form.validate_on_submit():
        abort(400)
    published = commit(
        lambda: services.import_gift(
            _actor(),
            version.module,
            quiz,
            form.language.data,
            form.gift.data,
        )
    )
    if not published:
        return redirect(url_for("assessment.quiz_bank", slug=slug, key=key))
    flash(
        _(
            "The questions were added. Version %(number)d of the module is published; learners "
            "who started an earlier version keep it.",
            number=published.value.number,
        ),
        "success",
    )
    return redirect(url_for("assessment.quiz_bank", slug=slug, key=key))

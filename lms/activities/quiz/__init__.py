"""The ``quiz`` activity type: questions from a GIFT bank, attempts judged on the server.

A quiz counts as done once the learner's grade (highest or last attempt, as set) reaches
the pass mark. Attempts, answers and grading live in ``lms.assessment``; the learner's
activity state only mirrors the outcome, so that completion rules and reports can read it.
"""

from flask import render_template
from flask_babel import lazy_gettext as _l

from lms.activities.quiz.settings import QuizAuthoring, parse_needs, parse_settings
from lms.assessment import services
from lms.assessment.gift import GiftError, dump, parse
from lms.assessment.grading import BUILT_IN_TYPES
from lms.assessment.rendering import inline_html, text_html
from lms.assessment.services import bank_path
from lms.core import clock, signals
from lms.core.errors import Invalid
from lms.plugins import hookimpl, registry
from lms.plugins.activity import Capability, CourseFiles, ParseContext, Parsed, Problem

ANSWER_FIELD = "answer-"


class QuizActivity:
    type_id = "quiz"
    label = _l("Quiz")
    capabilities = frozenset({Capability.GRADED, Capability.DIAGNOSTIC, Capability.AUTHORABLE})

    def __init__(self):
        self.authoring = QuizAuthoring()

    def parse(self, table: dict, files: CourseFiles, context: ParseContext) -> Parsed:
        where, course = context.where, context.course
        settings, problems = parse_settings(table, where)
        bank = table.get("bank")
        if not isinstance(bank, str) or not bank.replace("-", "").isalnum():
            problems.append(Problem("manifest.toml", f"{where}.bank", _l("a bank name")))
            return Parsed(problems=problems)
        banks = {}
        for language in course.languages:
            path = bank_path(bank, language)
            if not files.exists(path):
                problems.append(Problem(path, f"{where}.bank", _l("question bank not found")))
                continue
            try:
                banks[language] = parse(files.read_text(path))
            except GiftError as error:
                problems += [
                    Problem(path, f"line {problem.line}", problem.message)
                    for problem in error.problems
                ]
        problems += _check_draw(settings, banks, where)
        needs, needs_problems = parse_needs(table, where)
        problems += needs_problems + _check_measures(needs, banks, where)
        content = {
            "bank": bank,
            "settings": settings,
            "banks": {
                language: [question.to_dict() for question in questions]
                for language, questions in banks.items()
            },
            "source": {"bank": bank, "settings": settings},
        }
        if needs is not None:
            content["needs"] = needs
        return Parsed(content=content, problems=problems)

    def export(self, content: dict) -> tuple[dict, dict[str, str]]:
        from lms.assessment.questions import Question

        files = {
            bank_path(content["bank"], language): dump(map(Question.from_dict, questions))
            for language, questions in content["banks"].items()
        }
        return {"bank": content["bank"], **content["settings"], **content.get("needs", {})}, files

    def render(self, activity, state: dict, runtime) -> str:
        now = clock.now()
        types = registry().question_types
        summary = services.summary(runtime.user_id, activity, now, runtime.since)
        settings = services.QuizSettings.of(activity)
        context = {
            "activity": activity,
            "settings": settings,
            "summary": summary,
            "text_html": text_html,
            "inline_html": inline_html,
        }
        attempt = summary.in_progress
        if attempt is not None:
            return render_template(
                "quiz/quiz_attempt.html",
                attempt=attempt,
                questions=services.public_questions(attempt, activity, types),
                answers={s: a.response for s, a in services.saved_answers(attempt).items()},
                runtime=runtime,
                now=now,
                **context,
            )
        latest = summary.finished[-1].number if summary.finished else None
        review_number = runtime.params.get("review", type=int) or latest
        reviewed = next((a for a in summary.finished if a.number == review_number), None)
        review = None
        if reviewed is not None:
            review = services.graded_slots(reviewed, activity, types)
        return render_template(
            "quiz/quiz_intro.html",
            runtime=runtime,
            reviewed=reviewed,
            review=review,
            shows=_review_shows(settings, summary),
            types=types,
            now=now,
            **context,
        )

    def handle(self, activity, state: dict, form, runtime) -> dict:
        now = clock.now()
        types = registry().question_types
        action = form.get("action")
        if action == "start":
            services.start_attempt(runtime.user_id, activity, runtime.locale, now, runtime.since)
        elif action in {"save", "submit"}:
            attempt = services.attempt_of(runtime.user_id, form.get("attempt", type=int) or 0)
            if attempt.activity_id != activity.id:
                raise Invalid(_l("This attempt belongs to another quiz."))
            saved = self._save(attempt, activity, form, types, now, runtime)
            if action == "save" and saved:
                # Answers saved in an attempt still open change none of the state (attempts
                # finished, grade): nothing to read again, nothing for the module to redo.
                return state
            if action == "submit" and not attempt.is_finished:
                _finish(attempt, activity, types, now)
        return self.refresh(activity, state, runtime)

    @staticmethod
    def _save(attempt, activity, form, types, now, runtime) -> bool:
        """Save the form's answers; False when the time was up and the attempt was finished
        instead."""
        answers = {
            int(name.removeprefix(ANSWER_FIELD)): form.getlist(name)
            for name in form
            if name.startswith(ANSWER_FIELD) and name.removeprefix(ANSWER_FIELD).isdigit()
        }
        answered = form.getlist("slot", type=int)
        answers.update({slot: [] for slot in answered if slot not in answers})
        if services.is_overdue(attempt, now):
            _finish(attempt, activity, types, now)
            runtime.messages.append(
                _l("Time was up: answers sent after the deadline were not saved.")
            )
            return False
        services.save_answers(attempt, activity, answers, types, now)
        return True

    def refresh(self, activity, state: dict, runtime) -> dict:
        """The state as the attempts now stand; an overdue attempt is finished first."""
        now = clock.now()
        summary = services.summary(runtime.user_id, activity, now, runtime.since)
        attempt = summary.in_progress
        if attempt is not None and services.is_overdue(attempt, now):
            _finish(attempt, activity, registry().question_types, now)
            summary = services.summary(runtime.user_id, activity, now, runtime.since)
        return {
            **state,
            "attempts": len(summary.finished),
            "grade": summary.grade,
            "passed": summary.passed,
        }

    def progress(self, activity, state: dict) -> float:
        return 1.0 if self.is_completed(activity, state) else 0.0

    def is_completed(self, activity, state: dict) -> bool:
        # A diagnostic pre-test measures where the learner starts: taking it is enough.
        if activity.content.get("needs", {}).get("diagnostic"):
            return bool(state.get("attempts"))
        return bool(state.get("passed"))

    def score(self, activity, state: dict) -> float | None:
        return state.get("grade")


def _finish(attempt, activity, types, now) -> None:
    if services.finish(attempt, activity, types, now) and attempt.is_finished:
        signals.quiz_attempt_finished.send(attempt, activity=activity)


def _check_measures(needs: dict | None, banks: dict, where: str) -> list[Problem]:
    problems = []
    for language, questions in banks.items():
        categories = {question.category for question in questions}
        for index, rule in enumerate((needs or {}).get("measures", ())):
            if rule["category"] not in categories:
                problems.append(
                    Problem(
                        bank_path("*", language),
                        f"{where}.measures[{index}].category",
                        _l(
                            "category %(category)s is not in the bank",
                            category=repr(rule["category"]),
                        ),
                    )
                )
    return problems


def _check_draw(settings: dict, banks: dict, where: str) -> list[Problem]:
    problems = []
    for language, questions in banks.items():
        for index, rule in enumerate(settings.get("draw", ())):
            available = sum(q.category == rule["category"] for q in questions)
            if available < rule["count"]:
                problems.append(
                    Problem(
                        bank_path("*", language),
                        f"{where}.draw[{index}]",
                        _l(
                            "category %(category)s has %(available)d question(s), "
                            "%(count)d to draw",
                            category=repr(rule["category"]),
                            available=available,
                            count=rule["count"],
                        ),
                    )
                )
    return problems


def _review_shows(settings, summary) -> dict:
    """What the review of a finished attempt may show under the quiz's settings: right
    answers held back "until the last attempt" show once no attempt is left or the quiz is
    passed (a retake can then no longer change the outcome)."""
    last_done = summary.attempts_left == 0 or summary.passed
    answers = settings.review == services.REVIEW_ANSWERS and (
        not settings.answers_after_last_attempt or last_done
    )
    return {
        "feedback": settings.review in {services.REVIEW_FEEDBACK, services.REVIEW_ANSWERS},
        "answers": answers,
    }


@hookimpl
def lms_activity_types():
    return [QuizActivity()]


@hookimpl
def lms_question_types():
    return BUILT_IN_TYPES


@hookimpl
def lms_cli():
    from lms.activities.quiz.cli import quizzes_cli

    return [quizzes_cli]

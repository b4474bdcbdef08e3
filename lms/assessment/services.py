"""Quiz attempts on the server: start, save answers as the learner goes, finish once.

The server is the only judge. Starting an attempt fixes the questions drawn, their order,
the shuffle of their options and the deadline; an answer that arrives after the deadline
(plus ``GRACE``) is refused and the attempt is graded on what was saved before it;
finishing is a conditional update, so two submits at once grade once.

Services flush and leave the commit to the caller.
"""

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random, SystemRandom

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.assessment import gift
from lms.assessment.models import ABANDONED, FINISHED, IN_PROGRESS, AttemptAnswer, QuizAttempt
from lms.assessment.questions import Question
from lms.catalogue import authors
from lms.catalogue.models import Activity, Module
from lms.catalogue.services import publish_revision
from lms.core import cache, signals
from lms.core.errors import Invalid, NotFound
from lms.extensions import db
from lms.plugins import registry
from lms.plugins.activity import Capability
from lms.plugins.question import InvalidResponse, QuestionTypes

# Time for an answer sent just before the deadline to reach the server.
GRACE = timedelta(seconds=30)
HIGHEST = "highest"
LAST = "last"
REVIEW_SCORE = "score"
REVIEW_FEEDBACK = "feedback"
REVIEW_ANSWERS = "answers"


@dataclass(frozen=True)
class QuizSettings:
    """A quiz's rules, from its manifest table; see docs/course-plugins.md."""

    pass_mark: int = 70  # percent
    attempts: int = 0  # 0: unlimited
    time_limit_minutes: int = 0  # 0: none
    grading: str = HIGHEST
    wait_minutes: int = 0
    shuffle_questions: bool = True
    shuffle_options: bool = True
    draw: tuple = ()  # ({"category", "count"}, ...); empty: every question
    review: str = REVIEW_ANSWERS
    answers_after_last_attempt: bool = False

    @classmethod
    def of(cls, activity: Activity) -> "QuizSettings":
        settings = dict(activity.content["settings"])
        settings["draw"] = tuple(settings.get("draw", ()))
        return cls(**settings)


@dataclass(frozen=True)
class QuizSummary:
    """Where a learner stands in a quiz."""

    finished: list[QuizAttempt]
    used: int  # attempts started, abandoned ones included
    last_number: int  # of every attempt ever, earlier cycles included
    in_progress: QuizAttempt | None
    grade: float | None  # by the quiz's grading method, 0 to 1
    passed: bool
    attempts_left: int | None  # None: unlimited
    next_start_at: datetime | None  # when a wait between attempts is running


def bank_path(bank_name: str, language: str) -> str:
    """Where a course plugin keeps a quiz's bank in one language."""
    return f"banks/{bank_name}.{language}.gift"


def bank(activity: Activity, language: str) -> tuple[Question, ...]:
    """The quiz's questions in ``language`` (else its first language), made once per
    content and language in each process: every answer saved reads them."""

    def parse() -> tuple[Question, ...]:
        banks = activity.content["banks"]
        stored = banks.get(language) or next(iter(banks.values()))
        return tuple(Question.from_dict(question) for question in stored)

    if activity.content_hash is None:  # not stored yet (a preview)
        return parse()
    return cache.parsed(f"bank:{activity.content_hash}:{language}", parse)


def _attempts(user_id: int, activity_id: int) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.activity_id == activity_id)
            .order_by(QuizAttempt.number)
        )
    )


def summary(
    user_id: int, activity: Activity, now: datetime, since: datetime | None = None
) -> QuizSummary:
    """The learner's attempts at ``activity`` (those started from ``since`` on: a renewal
    of the module starts afresh), their grade and what they may do next."""
    settings = QuizSettings.of(activity)
    every = _attempts(user_id, activity.id)
    attempts = [a for a in every if since is None or a.started_at >= since]
    finished = [attempt for attempt in attempts if attempt.is_finished]
    in_progress = next((a for a in attempts if a.state == IN_PROGRESS), None)
    grade = _grade(finished, settings.grading)
    left = None if not settings.attempts else max(settings.attempts - len(attempts), 0)
    next_start = None
    if finished and settings.wait_minutes:
        ready = finished[-1].finished_at + timedelta(minutes=settings.wait_minutes)
        next_start = ready if ready > now else None
    return QuizSummary(
        finished=finished,
        used=len(attempts),
        last_number=every[-1].number if every else 0,
        in_progress=in_progress,
        grade=grade,
        passed=grade is not None and grade * 100 >= settings.pass_mark - 1e-9,
        attempts_left=left,
        next_start_at=next_start,
    )


def _grade(finished: list[QuizAttempt], method: str) -> float | None:
    if not finished:
        return None
    if method == LAST:
        return finished[-1].score
    return max(attempt.score for attempt in finished)


def start_attempt(
    user_id: int, activity: Activity, language: str, now: datetime, since: datetime | None = None
) -> QuizAttempt:
    """Start an attempt, or return the one in progress.

    Raises ``Invalid`` when no attempt is left or the wait between attempts is running.
    """
    state = summary(user_id, activity, now, since)
    if state.in_progress is not None:
        return state.in_progress
    if state.attempts_left == 0:
        raise Invalid(_l("You have used every attempt at this quiz."))
    if state.next_start_at is not None:
        raise Invalid(_l("You can start your next attempt later; see the time shown."))
    settings = QuizSettings.of(activity)
    language = language if language in activity.content["banks"] else _first_language(activity)
    limit = settings.time_limit_minutes
    attempt = QuizAttempt(
        user_id=user_id,
        activity_id=activity.id,
        number=state.last_number + 1,
        language=language,
        state=IN_PROGRESS,
        slots=_draw(bank(activity, language), settings, SystemRandom()),
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _first_language(activity: Activity) -> str:
    return next(iter(activity.content["banks"]))


def _draw(questions: Sequence[Question], settings: QuizSettings, rng: Random) -> list[dict]:
    """The slots of a new attempt: which questions, in which order, with a seed that fixes
    the order of each question's options."""
    if settings.draw:
        chosen = []
        for rule in settings.draw:
            pool = [i for i, q in enumerate(questions) if q.category == rule["category"]]
            chosen += rng.sample(pool, min(rule["count"], len(pool)))
    else:
        chosen = list(range(len(questions)))
    if settings.shuffle_questions:
        rng.shuffle(chosen)
    else:
        chosen.sort()
    return [
        {"question": index, "seed": rng.getrandbits(32) if settings.shuffle_options else None}
        for index in chosen
    ]


def attempt_of(user_id: int, attempt_id: int) -> QuizAttempt:
    """The learner's own attempt; anyone else's is not found."""
    attempt = db.session.scalar(
        sa.select(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user_id)
    )
    if attempt is None:
        raise NotFound(_l("This attempt does not exist."))
    return attempt


def slot_questions(attempt: QuizAttempt, activity: Activity) -> list[Question]:
    questions = bank(activity, attempt.language)
    return [questions[slot["question"]] for slot in attempt.slots]


def public_questions(attempt: QuizAttempt, activity: Activity, types: QuestionTypes) -> list:
    """What the learner's page shows of each slot: nothing that tells right from wrong."""
    return [
        types.get(question.type_id).public(question, _option_order(slot))
        for question, slot in zip(slot_questions(attempt, activity), attempt.slots, strict=True)
    ]


def _option_order(slot: dict) -> Random | None:
    # Replays the shuffle fixed at the start; an order, not a secret.
    return Random(slot["seed"]) if slot["seed"] is not None else None  # noqa: S311


def saved_answers(attempt: QuizAttempt) -> dict[int, AttemptAnswer]:
    return {
        answer.slot: answer
        for answer in db.session.scalars(
            sa.select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)
        )
    }


def is_overdue(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def save_answers(
    attempt: QuizAttempt,
    activity: Activity,
    answers: dict[int, list[str]],
    types: QuestionTypes,
    now: datetime,
) -> None:
    """Save the answers to some slots of an attempt in progress; saving again replaces.

    Every answer is checked before any is saved. Raises ``InvalidResponse`` for an answer
    its question's form cannot have sent or a slot the attempt does not have, and
    ``Invalid`` when the attempt is finished or its time is up (the caller finishes an
    overdue attempt: raising here rolls back whatever this call did).
    """
    if attempt.state != IN_PROGRESS:
        raise Invalid(_l("This attempt is finished; your answer was not saved."))
    if is_overdue(attempt, now):
        raise Invalid(_l("Time is up: this answer arrived too late and was not saved."))
    questions = slot_questions(attempt, activity)
    parsed = {}
    for slot, values in answers.items():
        if not 0 <= slot < len(questions):
            raise InvalidResponse(_l("This question is not part of your attempt."))
        question = questions[slot]
        try:
            parsed[slot] = types.get(question.type_id).parse_response(question, values)
        except InvalidResponse as error:
            raise InvalidResponse(
                _l("Question %(number)d: %(problem)s", number=slot + 1, problem=error.message)
            ) from error
    for slot, response in parsed.items():
        if not _upsert_answer(attempt.id, slot, response, now):
            # Finished by another request (a submit in another tab) since it was read.
            raise Invalid(_l("This attempt is finished; your answer was not saved."))


def _upsert_answer(attempt_id: int, slot: int, response, now: datetime) -> bool:
    """Save one answer while its attempt is open, in one statement: the row comes from
    the attempt only while it is in progress and in time, so a save racing a submit or
    the deadline saves nothing, and concurrent saves of different answers never lose one.
    Returns whether it was saved."""
    # On the session's connection, as Core: given a dict, the session's execute would take
    # the statement for an ORM bulk insert of those values.
    connection = db.session.connection()
    saved = connection.execute(
        _upsert_statement(connection.dialect.name),
        {
            "attempt_id": attempt_id,
            "slot": slot,
            "response": response,
            "saved_at": now,
            "in_time_at": now - GRACE,
        },
    )
    return saved.first() is not None


_UPSERTS: dict[str, sa.Insert] = {}


def _upsert_statement(dialect: str) -> sa.Insert:
    """``_upsert_answer``'s statement with its values as parameters, built once per dialect
    (building it is most of a save's work; its compiled form is cached by SQLAlchemy)."""
    if dialect not in _UPSERTS:
        open_attempt = sa.select(
            QuizAttempt.id,
            sa.bindparam("slot", type_=AttemptAnswer.slot.type),
            sa.bindparam("response", type_=AttemptAnswer.response.type),
            sa.bindparam("saved_at", type_=AttemptAnswer.saved_at.type),
        ).where(
            QuizAttempt.id == sa.bindparam("attempt_id"),
            QuizAttempt.state == IN_PROGRESS,
            sa.or_(
                QuizAttempt.deadline_at.is_(None),
                QuizAttempt.deadline_at
                >= sa.bindparam("in_time_at", type_=QuizAttempt.deadline_at.type),
            ),
        )
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        statement = dialect_insert(AttemptAnswer).from_select(
            ["attempt_id", "slot", "response", "saved_at"], open_attempt
        )
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=[AttemptAnswer.attempt_id, AttemptAnswer.slot],
            set_={
                "response": statement.excluded.response,
                "saved_at": statement.excluded.saved_at,
            },
        ).returning(AttemptAnswer.slot)
    return _UPSERTS[dialect]


def finish(attempt: QuizAttempt, activity: Activity, types: QuestionTypes, now: datetime) -> bool:
    """Finish and grade an attempt in progress, on the answers saved. Returns False when it
    was already finished (a second submit): nothing is graded twice.

    An attempt whose time ran out with nothing saved is abandoned: it used up an attempt
    and has no grade."""
    claimed = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.state == IN_PROGRESS)
        .values(state=FINISHED, finished_at=_finish_time(attempt, now))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if claimed != 1:
        return False
    if is_overdue(attempt, now) and not saved_answers(attempt):
        attempt.state = ABANDONED
    else:
        attempt.score = _score(attempt, activity, types)
    db.session.flush()
    return True


def _finish_time(attempt: QuizAttempt, now: datetime) -> datetime:
    if attempt.deadline_at is not None and now > attempt.deadline_at:
        return attempt.deadline_at
    return now


def _score(attempt: QuizAttempt, activity: Activity, types: QuestionTypes) -> float:
    answers = saved_answers(attempt)
    marks = total = 0.0
    for slot, question in enumerate(slot_questions(attempt, activity)):
        answer = answers.get(slot)
        graded = types.get(question.type_id).grade(question, answer.response if answer else None)
        if answer is not None:
            answer.fraction = graded.fraction
        marks += question.weight * graded.fraction
        total += question.weight
    return round(marks / total, 4) if total else 0.0


def graded_slots(attempt: QuizAttempt, activity: Activity, types: QuestionTypes) -> list:
    """For the review of a finished attempt: per slot, the question, the learner's response
    and its grade with feedback."""
    if not attempt.is_finished:
        raise Invalid(_l("An attempt can be reviewed once it is finished."))
    answers = saved_answers(attempt)
    review = []
    for slot, question in enumerate(slot_questions(attempt, activity)):
        answer = answers.get(slot)
        response = answer.response if answer else None
        question_type = types.get(question.type_id)
        review.append((question, response, question_type.grade(question, response)))
    return review


def finish_overdue(types: QuestionTypes, now: datetime) -> int:
    """Finish every attempt whose time ran out (``lms quizzes close-overdue``); returns how
    many were finished."""
    overdue = db.session.execute(
        sa.select(QuizAttempt, Activity)
        .join(Activity, Activity.id == QuizAttempt.activity_id)
        .where(QuizAttempt.state == IN_PROGRESS, QuizAttempt.deadline_at < now - GRACE)
    ).all()
    finished = 0
    for attempt, activity in overdue:
        if finish(attempt, activity, types, now):
            finished += 1
            signals.activity_state_changed.send(activity, user_id=attempt.user_id)
    return finished


def import_gift(actor, module: Module, activity: Activity, language: str, text: str):
    """Add the questions of a GIFT file to a quiz's bank in ``language``, publishing a new
    module version (learners keep the version they started on). Returns the version.

    Raises ``PermissionDenied`` unless ``actor`` is a trainer or an admin, ``NotFound``
    unless they manage the module (``lms.catalogue.authors``), ``GiftError`` listing every
    problem of the file by line (nothing is imported then), and ``Invalid`` for a module
    from a course folder (even for an admin: it changes in its folder) or a language the
    module is not in.
    """
    authors.ensure_manages(actor, module)
    if not registry().can(activity.type_id, Capability.GRADED):
        raise NotFound(_l("This activity is not a quiz."))
    if language not in activity.content["banks"]:
        raise Invalid(_l("This module is not written in that language."))
    questions = [*bank(activity, language), *gift.parse(text)]
    content = copy.deepcopy(activity.content)
    content["banks"][language] = [question.to_dict() for question in questions]
    path = bank_path(content["bank"], language)
    return publish_revision(
        module, actor=actor, contents={activity.key: content}, files={path: gift.dump(questions)}
    )

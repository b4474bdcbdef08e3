"""Read-side queries of assessment: a quiz's finished attempts, one attempt for review, and
how learners do on each question of a bank.

A quiz is named by its module's slug and its activity key, which stay the same across the
module's versions; each version has its own activity row, bank and attempts.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from lms.assessment.models import FINISHED, AttemptAnswer, QuizAttempt
from lms.assessment.questions import Question
from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.extensions import db
from lms.plugins import registry
from lms.plugins.activity import Capability

# Assessment may not import lms.accounts (ARCHITECTURE.md §2), so learners' names are read
# through a lightweight construct of the table that ``QuizAttempt.user_id`` refers to.
users = sa.table("users", sa.column("id"), sa.column("full_name"), sa.column("username"))

# The share of attempts, by score, in the upper and in the lower group of the
# discrimination index (Kelley's 27%), as a whole percentage so SQL computes it in integers.
GROUP_PERCENT = 27
# Below this many answers a question's statistics say too little to flag it.
MIN_ANSWERS = 10
TOO_HARD = 0.20  # mean fraction below: flagged
TOO_EASY = 0.95  # mean fraction above: flagged
LOW_DISCRIMINATION = 0.10  # index below: flagged


def _graded(activity):
    """The activities whose type keeps graded attempts (a quiz), asked of the registry."""
    return activity.type_id.in_(registry().type_ids(Capability.GRADED))


def quiz_versions(slug: str, key: str, modules: sa.ColumnElement[bool]) -> list:
    """Rows of (activity, version, finished attempts) of the quiz ``key`` of module ``slug``
    in every version that has it, newest first; empty when there is no such quiz or the
    module is not among ``modules`` (a condition on ``Module`` from
    ``lms.catalogue.authors``: what the actor may see). One query; the activities' content
    (their banks) is left unloaded."""
    finished = (
        sa.select(sa.func.count(QuizAttempt.id))
        .where(QuizAttempt.activity_id == Activity.id, QuizAttempt.state == FINISHED)
        .correlate(Activity)
        .scalar_subquery()
    )
    return db.session.execute(
        sa.select(Activity, ModuleVersion, finished.label("finished"))
        .join(ModuleVersion, ModuleVersion.id == Activity.version_id)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(Module.slug == slug, Activity.key == key, _graded(Activity), modules)
        .order_by(ModuleVersion.number.desc())
        .options(sa.orm.defer(Activity.content))
    ).all()


def quiz_content(activity_id: int) -> dict:
    """The content (settings and banks) of one quiz activity."""
    return db.session.scalar(sa.select(Activity.content).where(Activity.id == activity_id))


def finished_attempts(activity_ids: list[int]):
    """A select of the finished attempts at the given quiz activities, latest first, as rows
    of (id, number, language, started_at, finished_at, score, version_number, full_name,
    username), for paging; the learner's name comes in the same statement."""
    return (
        sa.select(
            QuizAttempt.id,
            QuizAttempt.number,
            QuizAttempt.language,
            QuizAttempt.started_at,
            QuizAttempt.finished_at,
            QuizAttempt.score,
            ModuleVersion.number.label("version_number"),
            users.c.full_name,
            users.c.username,
        )
        .join(Activity, Activity.id == QuizAttempt.activity_id)
        .join(ModuleVersion, ModuleVersion.id == Activity.version_id)
        .join(users, users.c.id == QuizAttempt.user_id)
        .where(QuizAttempt.activity_id.in_(activity_ids), QuizAttempt.state == FINISHED)
        .order_by(QuizAttempt.finished_at.desc(), QuizAttempt.id.desc())
    )


def finished_attempt(attempt_id: int, modules: sa.ColumnElement[bool]):
    """The row (attempt, activity, version, full_name, username) of a finished quiz attempt
    at a module among ``modules`` (as in ``quiz_versions``), its activity's content loaded;
    None when there is none by that id (or it is not finished, or not a quiz's, or its
    module is not among ``modules``). One query."""
    return db.session.execute(
        sa.select(QuizAttempt, Activity, ModuleVersion, users.c.full_name, users.c.username)
        .join(Activity, Activity.id == QuizAttempt.activity_id)
        .join(ModuleVersion, ModuleVersion.id == Activity.version_id)
        .join(Module, Module.id == ModuleVersion.module_id)
        .join(users, users.c.id == QuizAttempt.user_id)
        .where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.state == FINISHED,
            _graded(Activity),
            modules,
        )
    ).first()


@dataclass(frozen=True)
class QuestionStats:
    """How learners did on one question of a bank (``number`` counts from 1)."""

    number: int
    question: Question
    answers: int = 0
    mean: float | None = None  # mean fraction: 1.0 when everyone got it fully right
    discrimination: float | None = None  # -1 to 1; see ``question_stats``

    @property
    def enough(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def flags(self) -> list[str]:
        """Why the question looks suspicious: "hard", "easy", "negative", "flat"; none
        below ``MIN_ANSWERS`` answers."""
        if not self.enough:
            return []
        flags = []
        if self.mean < TOO_HARD:
            flags.append("hard")
        if self.mean > TOO_EASY:
            flags.append("easy")
        if self.discrimination < 0:
            flags.append("negative")
        elif self.discrimination < LOW_DISCRIMINATION:
            flags.append("flat")
        return flags


def _slot_elements():
    """The slots of an attempt as rows (slot index, slot), the database's JSON-array
    table function: SQLite's ``json_each``, PostgreSQL's ``json_array_elements``."""
    if db.session.get_bind().dialect.name == "postgresql":
        elements = (
            sa.func.json_array_elements(QuizAttempt.slots)
            .table_valued(sa.column("value", sa.JSON), with_ordinality="ordinal")
            .render_derived(name="slot_rows")
        )
        return elements.c.ordinal - 1, elements
    elements = sa.func.json_each(QuizAttempt.slots).table_valued(
        sa.column("key", sa.Integer), sa.column("value", sa.JSON), name="slot_rows"
    )
    return elements.c.key, elements


def _aggregates(activity_id: int) -> list:
    """Per (language, question index) of the activity's finished attempts: answers, mean
    fraction and discrimination index, in one statement (see ``question_stats``)."""
    slot, elements = _slot_elements()
    question = elements.c.value["question"].as_integer()
    per_question = (QuizAttempt.language, question)
    ranked = (
        sa.select(
            QuizAttempt.language,
            question.label("question"),
            sa.func.coalesce(AttemptAnswer.fraction, 0.0).label("fraction"),
            sa.func.row_number()
            .over(partition_by=per_question, order_by=(QuizAttempt.score.desc(), QuizAttempt.id))
            .label("rank"),
            sa.func.count().over(partition_by=per_question).label("n"),
        )
        .select_from(QuizAttempt)
        .join(elements, sa.true())
        .outerjoin(
            AttemptAnswer,
            sa.and_(AttemptAnswer.attempt_id == QuizAttempt.id, AttemptAnswer.slot == slot),
        )
        .where(QuizAttempt.activity_id == activity_id, QuizAttempt.state == FINISHED)
        .subquery("ranked")
    )
    # ceil(27% of n) in integer arithmetic, the same on every database.
    group = (ranked.c.n * GROUP_PERCENT + 99) // 100
    upper = sa.func.avg(sa.case((ranked.c.rank <= group, ranked.c.fraction)))
    lower = sa.func.avg(sa.case((ranked.c.rank > ranked.c.n - group, ranked.c.fraction)))
    return db.session.execute(
        sa.select(
            ranked.c.language,
            ranked.c.question,
            sa.func.count().label("answers"),
            sa.func.avg(ranked.c.fraction).label("mean"),
            (upper - lower).label("discrimination"),
        ).group_by(ranked.c.language, ranked.c.question)
    ).all()


def question_stats(activity_id: int, banks: dict) -> dict[str, list[QuestionStats]]:
    """Per language of the quiz's ``banks`` (its content's), every question of the bank in
    order with how the finished attempts at this activity (one module version) did on it.

    - ``answers``: the finished attempts that drew the question. A question left
      unanswered counts as answered wrongly (fraction 0), as it does in the score.
    - ``mean``: the mean fraction earned on it, shown as "% correct" (the facility index).
    - ``discrimination``: Kelley's upper-lower index. The attempts that drew the question
      are ranked by their quiz score (ties by attempt id); with ``n`` of them,
      ``k = ceil(0.27 × n)``; the index is the mean fraction on the question among the top
      ``k`` attempts minus that among the bottom ``k``. It runs from -1 to 1: high when
      learners who do well on the quiz do well on the question, negative when they do
      worse than the weak ones (often a wrong answer key). The score used to rank includes
      the question itself (uncorrected), as is usual for this index.

    Questions are named in attempts by their index in the bank (``slots[i]["question"]``)
    and answers by their slot, so the statement unnests each attempt's slots with the
    database's JSON table function, joins the answers on (attempt, slot), ranks with window
    functions and aggregates per (language, question): one query whatever the number of
    attempts, returning one row per question drawn at least once. Only the bank's
    questions (a bounded list) are then matched with those rows in Python.
    """
    found = {(row.language, row.question): row for row in _aggregates(activity_id)}
    stats = {}
    for language, stored in banks.items():
        stats[language] = []
        for index, question in enumerate(stored):
            row = found.get((language, index))
            stats[language].append(
                QuestionStats(
                    number=index + 1,
                    question=Question.from_dict(question),
                    answers=row.answers if row else 0,
                    mean=float(row.mean) if row else None,
                    discrimination=float(row.discrimination) if row else None,
                )
            )
    return stats

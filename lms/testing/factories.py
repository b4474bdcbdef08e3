"""Factories: valid defaults, built through the real services.

Inside an app context (a service-level test) they flush into the test's transaction and
return attached objects. Outside one (an HTTP test) they work in a context of their own,
commit into the test's transaction and return loaded, detached objects, so the test never
holds an app context that the test client would then share between requests.
"""

import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask, has_app_context
from werkzeug.datastructures import MultiDict

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.assessment.models import QuizAttempt
from lms.catalogue.models import Module
from lms.catalogue.queries import activities_of, latest_version
from lms.classes import services as classes
from lms.core import clock
from lms.core.permissions import Role
from lms.extensions import db
from lms.learning import services as learning
from lms.learning.runtime import Runtime
from lms.org import services as org
from lms.org.models import DUE_FROM_ASSIGNMENT, ManagerUnit
from lms.org.reference import seed_reference_data

DEFAULT_PASSWORD = "Luyen-tap-ky-nang-42"
_sequence = itertools.count(1)


class Factories:
    def __init__(self, app: Flask):
        self.app = app

    def _persist(self, build):
        if has_app_context():
            made = build()
            db.session.flush()
            return made
        with self.app.app_context():
            made = build()
            db.session.commit()
            for obj in made if isinstance(made, list) else [made]:
                db.session.refresh(obj)
                db.session.expunge(obj)
            return made

    def user(
        self,
        *,
        roles=(Role.LEARNER,),
        full_name=None,
        username=None,
        password=DEFAULT_PASSWORD,
        email=None,
        locale="vi",
    ):
        number = next(_sequence)

        def build():
            user = accounts.create_user(
                None,
                username=username or f"user{number}",
                full_name=full_name or f"Người Dùng Số {number}",
                password=password,
                email=email,
                locale=locale,
                roles=roles,
            )
            user.test_password = password
            return user

        made = self._persist(build)
        made.test_password = password
        return made

    def unit(
        self, *, parent=None, name_vi=None, kind="commune", code=None, valid_from=date(2025, 7, 1)
    ):
        number = next(_sequence)

        def build():
            seed_reference_data()
            parent_unit = db.session.merge(parent, load=True) if parent is not None else None
            return org.create_unit(
                None,
                code=code or f"U{number}",
                kind_code=kind,
                name_vi=name_vi or f"Đơn vị {number}",
                name_en=f"Unit {number}",
                parent=parent_unit,
                valid_from=valid_from,
            )

        return self._persist(build)

    def position(self, *, code=None, name_vi=None):
        number = next(_sequence)
        return self._persist(
            lambda: org.create_position(
                None,
                code=code or f"P{number}",
                name_vi=name_vi or f"Vị trí {number}",
                name_en=f"Position {number}",
            )
        )

    def assignment(self, user, position, unit, *, starts_on=date(2025, 7, 1)):
        def build():
            return org.assign_position(
                None,
                db.session.merge(user, load=True),
                db.session.merge(position, load=True),
                db.session.merge(unit, load=True),
                starts_on=starts_on,
            )

        return self._persist(build)

    def manager_of(self, *units, **user_options):
        """A manager attached to ``units``."""
        manager = self.user(roles=(Role.MANAGER, Role.LEARNER), **user_options)

        def build():
            for unit in units:
                db.session.add(ManagerUnit(user_id=manager.id, unit_id=unit.id))
            return []

        self._persist(build)
        return manager

    def curriculum_item(
        self, position, slug: str, *, due_basis=DUE_FROM_ASSIGNMENT, due_days=30, **rule
    ):
        """``position`` requires the synced module ``slug`` (``due_on``, ``validity_months``
        in ``rule``); everyone holding it is assigned the module."""
        return self._persist(
            lambda: org.set_curriculum_item(
                None,
                db.session.merge(position, load=True),
                _module(slug).id,
                due_basis=due_basis,
                due_days=due_days,
                **rule,
            )
        )

    def start_module(self, user, slug: str) -> None:
        """``user`` opens the first activity of module ``slug``."""

        def build():
            module = _module(slug)
            first = activities_of(_learner_version(user, module).id)[0]
            learning.open_activity(db.session.merge(user, load=True), module, first)
            return []

        self._persist(build)

    def complete_lessons(self, user, slug: str) -> None:
        """``user`` marks every lesson of module ``slug`` done, on the version they are on."""

        def build():
            learner = db.session.merge(user, load=True)
            module = _module(slug)
            runtime = Runtime(user_id=learner.id, locale="vi", action_url="")
            for activity in activities_of(_learner_version(learner, module).id):
                learning.submit_activity(
                    learner, module, activity, MultiDict({"action": "done"}), runtime
                )
            return []

        self._persist(build)

    def quiz_attempt(self, user, slug: str, key: str, answers: dict, *, submit: bool = True):
        """``user`` starts an attempt at the quiz ``key`` of module ``slug``, saves
        ``answers`` (the form's fields, e.g. ``{"answer-0": "true"}``) and, when ``submit``,
        hands it in, as the quiz page does; returns the attempt. A passing attempt may
        complete the module, and so issue its certificate."""

        def build():
            learner = db.session.merge(user, load=True)
            module = _module(slug)
            activity = next(
                activity
                for activity in activities_of(_learner_version(learner, module).id)
                if activity.key == key
            )
            runtime = Runtime(user_id=learner.id, locale=learner.locale, action_url="")
            start = MultiDict({"action": "start"})
            learning.submit_activity(learner, module, activity, start, runtime)
            attempt = db.session.scalar(
                sa.select(QuizAttempt)
                .where(QuizAttempt.user_id == learner.id, QuizAttempt.activity_id == activity.id)
                .order_by(QuizAttempt.number.desc())
                .limit(1)
            )
            form = MultiDict(
                {"action": "submit" if submit else "save", "attempt": str(attempt.id), **answers}
            )
            learning.submit_activity(learner, module, activity, form, runtime)
            return attempt

        return self._persist(build)

    def training_session(self, trainer, *, starts_in=timedelta(days=7), enrolled=(), **details):
        """An in-person session of one two-hour slot ``starts_in`` from now, open for
        enrolment, taught by ``trainer``, with the users ``enrolled`` enrolled; ``details``
        override fields of ``SessionDetails``."""

        def build():
            start = clock.now() + starts_in
            values = {
                "title_vi": "Lớp",
                "title_en": "Class",
                "mode": "in_person",
                "venue": "Phòng 1",
                "capacity": 10,
                "enrol_opens_at": clock.now() - timedelta(days=1),
                "enrol_closes_at": start - timedelta(days=1),
                "cancel_until": start - timedelta(days=1),
                "slots": [(start, start + timedelta(hours=2))],
                "trainer_ids": (trainer.id,),
                **details,
            }
            session = classes.create_session(
                db.session.get(User, trainer.id), classes.SessionDetails(**values)
            )
            for user in enrolled:
                person = db.session.get(User, user.id)
                classes.enrol(person, session, person)
            return session

        return self._persist(build)


def _module(slug: str) -> Module:
    return db.session.scalar(sa.select(Module).where(Module.slug == slug))


def _learner_version(user, module: Module):
    progress = learning.current_progress(user, module)
    return progress.version if progress is not None else latest_version(module.id)

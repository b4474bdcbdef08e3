"""Learning events as xAPI 1.0.3 statements, written to the outbox inside the event's own
transaction (the receivers below flush, never commit); ``lms.xapi.delivery`` sends them.

Nothing is written while no Learning Record Store is configured (``LMS_XAPI_LRS``). Each
statement is complete when written — its id, actor, verb, object, result and timestamp never
change — and its id is a UUID derived (version 5) from the site and the event, so an event
told twice makes one statement, and sending it again can only repeat the same statement.
"""

import functools
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from lms.accounts.models import User
from lms.assessment.services import QuizSettings
from lms.catalogue.models import Activity, ModuleVersion
from lms.core import clock, signals
from lms.core.db import insert
from lms.extensions import db
from lms.learning.models import ActivityProgress, ModuleProgress
from lms.xapi.models import PENDING, Delivery, Statement

ADL = "http://adlnet.gov/expapi/verbs/"
# Verbs by the last word of their IRI, with their display names. ADL's vocabulary, and for
# an award the xAPI registry's "earned" (an actor achieved a reward such as a certificate).
VERBS = {
    "attempted": (f"{ADL}attempted", "attempted", "đã bắt đầu học"),
    "completed": (f"{ADL}completed", "completed", "đã hoàn thành"),
    "passed": (f"{ADL}passed", "passed", "đã đạt"),
    "failed": (f"{ADL}failed", "failed", "chưa đạt"),
    "scored": (f"{ADL}scored", "scored", "đã làm bài, được điểm"),
    "earned": ("http://id.tincanapi.com/verb/earned", "earned", "đã được cấp"),
}
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
ASSESSMENT_TYPE = "http://adlnet.gov/expapi/activities/assessment"


def enabled() -> bool:
    return bool(current_app.config["LMS_XAPI_LRS"])


def site() -> str:
    """The site's address without a trailing slash (LMS_BASE_URL, required with an LRS)."""
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def statement_uuid(event: str) -> str:
    """The statement id of ``event`` on this site: the same event gives the same id."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, site()), event))


def record(user: User, event: str, verb: str, when: datetime, object_: dict, **parts) -> bool:
    """Write the statement of ``event`` (``user`` ``verb`` ``object_``, with the statement's
    other ``parts``: result, contextActivities) and a pending delivery of it to every
    configured store, unless it was written already. Returns whether it was news."""
    if not enabled():
        return False
    iri, english, vietnamese = VERBS[verb]
    activities = parts.pop("context_activities", None)
    body: dict[str, Any] = {
        "id": statement_uuid(event),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": site(), "name": user.username},
        },
        "verb": {"id": iri, "display": {"en-US": english, "vi": vietnamese}},
        "object": object_,
        "timestamp": _timestamp(when),
        "context": {
            "platform": current_app.config["LMS_CERTIFICATE_ISSUER"],
            "language": user.locale,
            **({"contextActivities": activities} if activities else {}),
        },
        **parts,
    }
    written = db.session.execute(
        insert(db.session, Statement)
        .values(uuid=body["id"], user_id=user.id, verb=verb, body=body, created_at=clock.now())
        .on_conflict_do_nothing(index_elements=[Statement.uuid])
        .returning(Statement.id)
    ).scalar()
    if written is None:
        return False
    db.session.execute(
        insert(db.session, Delivery),
        [
            {"statement_id": written, "store": store["name"], "status": PENDING, "tries": 0}
            for store in current_app.config["LMS_XAPI_LRS"]
        ],
    )
    return True


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _names(texts: dict[str, str]) -> dict[str, str]:
    """A language map of the site's languages that ``texts`` has."""
    return {language: text for language, text in texts.items() if text}


def module_activity(slug: str, number: int, titles: dict[str, str]) -> dict:
    """A module version as an xAPI activity: its page on this site, with the version."""
    return {
        "objectType": "Activity",
        "id": f"{site()}/modules/{slug}?version={number}",
        "definition": {"name": _names(titles), "type": MODULE_TYPE},
    }


def version_activity(version: ModuleVersion) -> dict:
    return module_activity(version.module.slug, version.number, version.manifest["title"])


def activity_activity(activity: Activity, version: ModuleVersion, **definition) -> dict:
    """An activity of a module version as an xAPI activity: its page on this site."""
    return {
        "objectType": "Activity",
        "id": f"{site()}/modules/{version.module.slug}/{activity.key}?version={version.number}",
        "definition": {"name": _names(activity.titles), **definition},
    }


# --- the events -------------------------------------------------------------------------


def _receives(signal):
    """Connect the decorated receiver to ``signal``, run only while an LRS is configured."""

    def connect(receiver):
        @functools.wraps(receiver)
        def when_enabled(sender, **kwargs):
            if enabled():
                receiver(sender, **kwargs)

        signal.connect(when_enabled, weak=False)
        return receiver

    return connect


@_receives(signals.module_started)
def _on_module_started(progress: ModuleProgress, user: User) -> None:
    record(
        user,
        f"module-progress:{progress.id}:started",
        "attempted",
        progress.started_at,
        version_activity(progress.version),
    )


@_receives(signals.activity_completed)
def _on_activity_completed(state: ActivityProgress, user: User, activity: Activity) -> None:
    version = db.session.get(ModuleVersion, activity.version_id)
    record(
        user,
        f"activity-progress:{state.id}:completed",
        "completed",
        state.completed_at or clock.now(),
        activity_activity(activity, version),
        result={"completion": True},
        context_activities={"parent": [version_activity(version)]},
    )


@_receives(signals.module_completed)
def _on_module_completed(progress: ModuleProgress, user: User) -> None:
    record(
        user,
        f"module-progress:{progress.id}:completed",
        "completed",
        progress.completed_at or clock.now(),
        version_activity(progress.version),
        result={"completion": True},
    )


@_receives(signals.quiz_attempt_finished)
def _on_quiz_attempt_finished(attempt, activity: Activity) -> None:
    """Passed or failed against the quiz's pass mark; a diagnostic pre-test, which measures
    where a learner starts, is only scored."""
    user = db.session.get(User, attempt.user_id)
    version = db.session.get(ModuleVersion, activity.version_id)
    scaled = round(attempt.score or 0.0, 4)
    result: dict[str, Any] = {
        "score": {"scaled": scaled, "raw": round(scaled * 100, 2), "min": 0, "max": 100},
        "completion": True,
    }
    if activity.content.get("needs", {}).get("diagnostic"):
        verb = "scored"
    else:
        passed = scaled * 100 >= QuizSettings.of(activity).pass_mark - 1e-9
        verb = "passed" if passed else "failed"
        result["success"] = passed
    record(
        user,
        f"quiz-attempt:{attempt.id}:finished",
        verb,
        attempt.finished_at or clock.now(),
        activity_activity(activity, version, type=ASSESSMENT_TYPE),
        result=result,
        context_activities={"parent": [version_activity(version)]},
    )


@_receives(signals.certificate_issued)
def _on_certificate_issued(certificate, user_id: int, kind, achievement, modules) -> None:
    """The certificate, named by its public verification page, earned on the module
    versions it rests on."""
    user = db.session.get(User, user_id)
    rests_on = [
        module_activity(entry["slug"], entry["version"], entry["title"]) for entry in modules
    ]
    record(
        user,
        f"certificate:{certificate.id}:issued",
        "earned",
        certificate.issued_at,
        {
            "objectType": "Activity",
            "id": f"{site()}/verify/{certificate.code}",
            "definition": {
                "name": _names(achievement),
                "description": {"en-US": f"{kind} certificate {certificate.serial}"},
            },
        },
        context_activities={"other": rests_on},
    )

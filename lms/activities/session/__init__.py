"""The ``session`` activity type: done when the learner attends a training session.

A module's manifest names the activity with a ``tag``; sessions scheduled for that module
and tag (``lms.classes``) are listed on the activity's page with a button to enrol. The
activity counts as done once the learner attended every time slot of one such session;
recording attendance sends ``activity_state_changed``, and the runtime calls ``refresh``.
"""

import re

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from lms.classes import queries
from lms.core import clock
from lms.plugins import hookimpl
from lms.plugins.activity import Capability, CourseFiles, ParseContext, Parsed, Problem

TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class SessionActivity:
    type_id = "session"
    label = _l("Training session")
    capabilities = frozenset({Capability.ATTENDANCE})
    authoring = None  # sessions are scheduled in lms.classes, not written

    def parse(self, table: dict, files: CourseFiles, context: ParseContext) -> Parsed:
        tag = table.get("tag", table.get("key"))
        if not isinstance(tag, str) or not TAG.match(tag):
            return Parsed(
                problems=[context.problem("tag", _l("lowercase letters, digits and dashes"))]
            )
        content = {"tag": tag, "note": {}}
        note = table.get("note", {})
        if not isinstance(note, dict) or not all(isinstance(v, str) for v in note.values()):
            return Parsed(
                problems=[context.problem("note", _l("a table with one text per language"))]
            )
        content["note"] = dict(note)
        return Parsed(content=content)

    def export(self, content: dict) -> tuple[dict, dict[str, str]]:
        fields = {"tag": content["tag"]}
        if content.get("note"):
            fields["note"] = dict(content["note"])
        return fields, {}

    def render(self, activity, state: dict, runtime) -> str:
        module_id = queries.module_of_activity(activity)
        sessions = queries.upcoming(clock.now(), module_id=module_id, tag=activity.content["tag"])
        note = activity.content.get("note") or {}
        return render_template(
            "session/session_activity.html",
            sessions=sessions,
            enrolments=queries.enrolments_of(runtime.user_id, [s.id for s in sessions]),
            note=note.get(runtime.locale) or next(iter(note.values()), ""),
            done=self.is_completed(activity, state),
            runtime=runtime,
            now=clock.now(),
        )

    def handle(self, activity, state: dict, form, runtime) -> dict:
        # Enrolment has pages of its own (lms.classes); attendance is recorded by trainers.
        return self.refresh(activity, state, runtime)

    def refresh(self, activity, state: dict, runtime) -> dict:
        attended = queries.attended_session_id(
            runtime.user_id, queries.module_of_activity(activity), activity.content["tag"]
        )
        return {**state, "attended_session_id": attended}

    def progress(self, activity, state: dict) -> float:
        return 1.0 if self.is_completed(activity, state) else 0.0

    def is_completed(self, activity, state: dict) -> bool:
        return bool(state.get("attended_session_id"))

    def score(self, activity, state: dict) -> float | None:
        return None


@hookimpl
def lms_activity_types():
    return [SessionActivity()]


@hookimpl
def lms_template_hook(name, context):
    """The module page's sidebar lists the module's upcoming training sessions, so a learner
    sees them before reaching the activity that needs one."""
    if name != "module-sidebar":
        return None
    sessions = queries.upcoming(clock.now(), module_id=context["module"].id)
    if not sessions:
        return None
    # render_template escaped every value; the result is the template's own HTML.
    return Markup(render_template("session/module_sidebar.html", sessions=sessions))  # noqa: S704


@hookimpl
def lms_course_validate(course):
    """Attendance completes the module's session activities by tag: two with one tag would
    both be completed by one session."""
    seen: dict[str, str] = {}
    problems = []
    for index, spec in enumerate(course.activities):
        if spec.type_id != SessionActivity.type_id or not spec.content:
            continue
        tag = spec.content["tag"]
        if tag in seen:
            problems.append(
                Problem(
                    "manifest.toml",
                    f"activities[{index}].tag",
                    _l(
                        "the tag %(tag)s is already used by the activity %(activity)s",
                        tag=repr(tag),
                        activity=repr(seen[tag]),
                    ),
                )
            )
        seen.setdefault(tag, spec.key)
    return problems

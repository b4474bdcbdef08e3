"""Commit once, at the edge: a view through ``lms.core.edge.commit``, a command or a job in
its own body; services, queries and models never commit."""

import ast
from pathlib import Path

import pytest
from flask import get_flashed_messages
from wtforms import StringField

from lms.accounts import services as accounts
from lms.core.edge import commit
from lms.core.errors import Invalid, PermissionDenied
from lms.core.forms import Form
from lms.extensions import db

LMS = Path(__file__).parents[2] / "lms"

# Besides every command (``cli.py``) and task (``jobs.py``), the modules that may end a
# transaction, and why.
EDGES = {
    "core/edge.py": "the views' edge",
    "core/db.py": "end_read_transaction ends a transaction that has only read",
    "org/roster.py": "the roster import job commits chunk by chunk",
    "learning/bulk.py": "the bulk assignment job commits chunk by chunk, with its progress",
    "notifications/services.py": "send_pending_email commits each e-mail as it is sent",
    "accounts/sessions.py": "the user loader records a sign-in's last use, before the view",
    "xapi/delivery.py": "deliver commits each claim and each batch's result",
    "api/views.py": "an API request commits once after its response, with the log of its "
    "token's use; a roster sync commits its job before enqueuing it",
}


def committing_modules() -> set[str]:
    found = set()
    for path in LMS.rglob("*.py"):
        relative = path.relative_to(LMS).as_posix()
        if path.name in ("cli.py", "jobs.py") or relative.startswith("testing/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
            ):
                found.add(relative)
    return found


def test_only_the_edges_commit():
    # No views module commits but through the edge; no service, query or model at all.
    assert committing_modules() - EDGES.keys() == set()


class NameForm(Form):
    name = StringField()


@pytest.fixture
def person(appctx, factory):
    user = factory.user(locale="vi")
    db.session.commit()
    return user


def _switch_then(user, error):
    def action():
        accounts.set_locale(user, "en")
        raise error

    return action


def test_the_work_is_committed_and_the_success_told(person):
    def switch():
        accounts.set_locale(person, "en")
        return "switched"

    outcome = commit(switch, done="Saved.")
    db.session.rollback()  # undoes nothing: the work is committed
    assert outcome and outcome.value == "switched"
    assert person.locale == "en"
    assert get_flashed_messages(with_categories=True) == [("success", "Saved.")]


def test_a_refusal_undoes_everything_and_is_flashed(person):
    outcome = commit(_switch_then(person, Invalid("Not now.")), done="Saved.")
    assert not outcome and outcome.refusal.message == "Not now."
    assert person.locale == "vi"
    assert get_flashed_messages(with_categories=True) == [("error", "Not now.")]


def test_a_refusal_lands_on_the_form_or_the_field(person):
    form = NameForm(formdata=None)
    form.validate()
    commit(_switch_then(person, Invalid("On the form.")), form=form)
    commit(_switch_then(person, Invalid("On the field.")), form=form, field=form.name)
    assert form.form_errors == ["On the form."]
    assert form.name.errors == ["On the field."]
    assert get_flashed_messages() == []
    assert person.locale == "vi"


def test_a_quiet_refusal_is_left_to_the_caller(person):
    outcome = commit(_switch_then(person, Invalid("Mine to show.")), quiet=True)
    assert outcome.refusal.message == "Mine to show."
    assert get_flashed_messages() == []


def test_a_refusal_of_the_person_rolls_back_and_goes_on_to_the_error_page(person):
    with pytest.raises(PermissionDenied):
        commit(_switch_then(person, PermissionDenied("No.")))
    assert person.locale == "vi"
    assert get_flashed_messages() == []

"""Where a request's work is committed: the one way a view runs a service.

Services flush and never commit; the edge commits once, so a request is saved whole or not
at all (ARCHITECTURE.md §3). For a view that edge is ``commit``: a view parses its input,
then hands the service call to it::

    if commit(lambda: services.cancel(current_user, enrolment), done=_("Cancelled.")):
        ...

A form's view goes through ``lms.core.forms.submit``, which validates the form first. CLI
commands and background jobs are edges of their own and commit in their own body.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash
from wtforms import Field, Form

from lms.core.db import begin_write
from lms.core.errors import Invalid
from lms.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of a request's work: ``committed`` with the action's ``value``, or not,
    with the ``refusal`` that undid it (none when the action never ran: an invalid form).
    True when committed."""

    committed: bool
    value: T | None = None
    refusal: Invalid | None = None

    def __bool__(self) -> bool:
        return self.committed


def commit(
    action: Callable[[], T],
    *,
    form: Form | None = None,
    field: Field | None = None,
    done: str | None = None,
    quiet: bool = False,
) -> Outcome[T]:
    """Call ``action`` (the request's service calls), then commit once.

    A rule's refusal (``Invalid``) rolls everything back and shows its message: on
    ``field`` when given, else as a form-level error of ``form`` when given, else flashed.
    ``quiet`` leaves the message to the caller, which answers with a page or JSON of its own
    from ``Outcome.refusal``. Any other exception rolls back too and goes on: a
    ``PermissionDenied`` or ``NotFound`` becomes the 403 or 404 page, as everywhere. After
    the commit, ``done`` (when given) is flashed as the success message.

    A page view (GET) that gets here writes: its transaction is made a writing one first
    (``core.db.begin_write``), so on SQLite the write waits for the lock instead of failing.
    """
    begin_write(db.session)
    try:
        value = action()
    except Invalid as refusal:
        db.session.rollback()
        if not quiet:
            _show(refusal.message, form, field)
        return Outcome(False, refusal=refusal)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    if done:
        flash(done, "success")
    return Outcome(True, value)


def _show(message, form: Form | None, field: Field | None) -> None:
    if field is not None:
        # A field validated with the form holds a list of errors (WTForms' own type says
        # Sequence, for the unvalidated tuple).
        field.errors = [*field.errors, message]
    elif form is not None:
        form.form_errors.append(message)
    else:
        flash(str(message), "error")

"""Assessment: question banks, quizzes, attempts and grading; the trainers' quiz reports."""

from flask import Blueprint

from lms.core.permissions import Role, require_role

bp = Blueprint("assessment", __name__, url_prefix="/trainer")


@bp.before_request
@require_role(Role.TRAINER, Role.ADMIN)
def _trainers_only():
    """Every page here shows learners' answers: trainers and admins only, checked once."""


from lms.assessment import views  # noqa: E402,F401  (registers the routes)

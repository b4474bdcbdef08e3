"""Every domain event, declared in one place.

Domains never import each other's services to react to a change: the domain where the
change happens sends a signal here and any other domain may connect to it. Receivers get
the sender (the object the event is about) and keyword arguments; they run inside the
sender's transaction, so they flush but never commit.
"""

from blinker import Namespace

_signals = Namespace()

user_created = _signals.signal("user-created")
"""A user account was created. Sender: the ``User``; kwargs: ``actor``.

    @user_created.connect
    def welcome(user, actor): ...
"""

users_created = _signals.signal("users-created")
"""Many accounts were created at once (a chunk of a roster import), inserted without ORM
objects. Sender: the list of their ids; kwargs: ``actor``.

    @users_created.connect
    def welcome_all(user_ids, actor): ...
"""

user_deactivated = _signals.signal("user-deactivated")
"""A user can no longer sign in; every session has ended. Sender: the ``User``; kwargs: ``actor``.

    @user_deactivated.connect
    def release_seats(user, actor): ...
"""

password_reset_requested = _signals.signal("password-reset-requested")
"""Someone asked for a password-reset link for an active account that has an e-mail address.
Sender: the ``User``; kwargs: ``fingerprint`` (of the password hash the link is bound to),
``minutes`` (how long the link lasts). Notifications listen, to e-mail the link.

    @password_reset_requested.connect
    def email_link(user, fingerprint, minutes): ...
"""

personal_data_exported = _signals.signal("personal-data-exported")
"""A person is downloading everything held about them (``accounts.personal_data``).
Sender: the ``User``; kwargs: ``files``, a dict of file name in the ZIP to its bytes, to
which a domain adds files of its own making. Certificates listen, to add their PDFs.

    @personal_data_exported.connect
    def add_pdfs(user, files): files["certificates/2026-1.pdf"] = ...
"""

second_factor_required = _signals.signal("second-factor-required")
"""Asked while a person signs in: must they use a second factor? Sender: the ``User``;
kwargs: ``rules``, the words of ``LMS_SECOND_FACTOR_REQUIRED``. A receiver answers True when
a rule it knows applies to the user (accounts itself answers for the role names; org for
"province-manager"). A question, not an event: receivers only read.

    @second_factor_required.connect
    def manages_a_province(user, rules): return "province-manager" in rules and ...
"""

account_provisioned = _signals.signal("account-provisioned")
"""An account was created at its owner's first single sign-on (just-in-time), with the unit
and job position their identity provider says they hold, by code. Sender: the ``User``;
kwargs: ``unit_code``, ``position_code``, ``starts_on``. The org domain assigns the position,
and raises ``Invalid`` for a code it does not know, which refuses the sign-in.

    @account_provisioned.connect
    def assign(user, unit_code, position_code, starts_on): ...
"""

positions_assigned = _signals.signal("positions-assigned")
"""People started holding job positions in org units: one assignment (``assign_position``)
or a chunk of a roster import's (``assign_positions``), sent once. Sender: the list of the
new assignments, each with ``id``, ``user_id``, ``position_id``, ``unit_id`` and
``starts_on`` (``PositionAssignment`` objects, or rows for a bulk insert); kwargs:
``actor``. A listener works on them all at once (learning syncs the people's module
assignments, needs refreshes their gaps), so a chunk costs one refresh, not one a person.

    @positions_assigned.connect
    def assign_curricula(assignments, actor): sync_users({a.user_id for a in assignments})
"""

position_ended = _signals.signal("position-ended")
"""A position assignment got an end date. Sender: the ``PositionAssignment``; kwargs: ``actor``.

    @position_ended.connect
    def retire_curriculum(assignment, actor): ...
"""

org_unit_merged = _signals.signal("org-unit-merged")
"""An org unit was merged into another; its people now hold their positions in the target.
Sender: the source ``OrgUnit``; kwargs: ``target``, ``actor``, ``on`` (the merge date).

    @org_unit_merged.connect
    def move_targets(source, target, actor, on): ...
"""

curriculum_changed = _signals.signal("curriculum-changed")
"""A position's curriculum gained, lost or changed a module. Sender: the ``Position``;
kwargs: ``actor``, ``module_id`` (the module whose requirement changed). Learning listens,
to update that module's assignments of everyone holding the position, set-based.

    @curriculum_changed.connect
    def reassign(position, actor, module_id): ...
"""

module_assignments_changed = _signals.signal("module-assignments-changed")
"""A person's module assignments were added, changed or retired. Sender: the ``User``.

    @module_assignments_changed.connect
    def check_position_certificates(user): ...
"""

many_module_assignments_changed = _signals.signal("many-module-assignments-changed")
"""Many people's module assignments were added, changed or retired together, set-based
(``sync_users``: a roster import's chunk, a curriculum change for everyone holding the
position, the daily sync). Sender: the sorted list of their user ids. A listener works on
them all at once.

    @many_module_assignments_changed.connect
    def check_position_certificates_of(user_ids): ...
"""

module_started = _signals.signal("module-started")
"""A learner started a module version (a new ``ModuleProgress``: a first start, or a renewal
starting a new cycle). Sender: the ``ModuleProgress``; kwargs: ``user``. Sent once per
progress row, inside the starting transaction.

    @module_started.connect
    def record_start(progress, user): ...
"""

activity_completed = _signals.signal("activity-completed")
"""A learner completed an activity. Sender: the ``ActivityProgress``; kwargs: ``user``,
``activity``.

    @activity_completed.connect
    def count_for_reports(progress, user, activity): ...
"""

module_completed = _signals.signal("module-completed")
"""A learner completed a module version. Sender: the ``ModuleProgress`` (its ``version``
is the version the completion was earned on); kwargs: ``user``.

    @module_completed.connect
    def issue_certificate(progress, user): ...
"""

activity_state_changed = _signals.signal("activity-state-changed")
"""An activity type's own records of a learner changed outside that learner's request (a
quiz attempt closed when its time ran out). Sender: the ``Activity``; kwargs: ``user_id``.
Learning listens, to bring the learner's progress up to date.

    @activity_state_changed.connect
    def refresh(activity, user_id): ...
"""

quiz_attempt_finished = _signals.signal("quiz-attempt-finished")
"""A quiz attempt was finished and graded (sent once per attempt, by the quiz activity type).
Sender: the ``QuizAttempt`` (its ``score`` set); kwargs: ``activity``. Needs listens, to
record pre-test and post-test results and the levels a diagnostic quiz shows.

    @quiz_attempt_finished.connect
    def record_result(attempt, activity): ...
"""

certificate_issued = _signals.signal("certificate-issued")
"""A certificate was issued (sent once, inside the issuing transaction). Sender: the
``Certificate``; kwargs, so a listener needs nothing from certificates: ``user_id`` (the
holder), ``kind`` (``"module"`` or ``"position"``), ``achievement`` (its name per language)
and ``modules`` (``[{"slug", "version", "title", "progress_id"}]``, what it rests on).

    @certificate_issued.connect
    def record_award(certificate, user_id, kind, achievement, modules): ...
"""

certificate_revoked = _signals.signal("certificate-revoked")
"""An admin revoked a certificate (sent once, inside the revoking transaction). Sender: the
``Certificate``; kwargs, so a listener needs nothing from certificates: ``user_id`` (the
holder), ``module_ids`` (the modules it covers: one for a module certificate, those a
position certificate names), ``progress_ids`` (the ``ModuleProgress`` completions it rests
on), ``on`` (the revocation date) and ``actor``. Needs listens: those completions stop
counting as evidence from ``on``.

    @certificate_revoked.connect
    def stop_counting(certificate, user_id, module_ids, progress_ids, on, actor): ...
"""

courses_synced = _signals.signal("courses-synced")
"""The discovered course plugins were synced into the catalogue (``lms courses sync``, the
demo, tests). Sender: the ``SyncReport``; kwargs: ``actor``. A listener loads what travels
with the courses, and files its problems in ``report.failed`` under a key of its own, so
the sync reports them and fails. Legal listens, to load the register of legal instruments.

    @courses_synced.connect
    def load_register(report, actor): ...
"""

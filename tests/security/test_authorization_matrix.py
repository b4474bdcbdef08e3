"""Who may do what, route by route: every rule of the URL map × every role and relation to
the objects its URL names, with GET and POST, against the policy written out below.

Each route's parameters are filled with real objects of the shared data set (``world`` in
``conftest.py``), and each request is classed as allowed, refused (403: the role may not
do this at all; 404: the object is outside what the user may see, which the site shows
as absent), or sent to sign in. A refused POST must leave every table as it was. A new
route fails ``test_every_route_has_a_policy_and_its_parameters_are_filled`` until it is
added here, so the matrix stays complete.
"""

import pytest

OK, FORBIDDEN, HIDDEN, LOGIN = "allowed", "403", "404", "sign-in"
# The API takes no session: without a bearer token everyone is told to bring one.
NO_TOKEN = "401"

ROLES = (
    "anonymous",
    "learner",  # holds a position in the ward's counter; holds the certificate
    "other_learner",  # holds a position in the sibling commune
    "owner",  # owns the web module and trains the session
    "coauthor",  # co-authors the web module
    "other_trainer",
    "unit_manager",  # manages the ward
    "sibling_manager",  # manages the commune
    "admin",
)


def policy(default: str, *, anonymous: str = LOGIN, **roles: str) -> dict[str, str]:
    return {role: {"anonymous": anonymous, **roles}.get(role, default) for role in ROLES}


PUBLIC = policy(OK, anonymous=OK)
SIGNED_IN = policy(OK)
ADMINS = policy(FORBIDDEN, admin=OK)
TRAINERS = policy(FORBIDDEN, owner=OK, coauthor=OK, other_trainer=OK, admin=OK)
# The web module: its owner and co-author manage it, admins every module (lms.catalogue.authors).
MODULE_MANAGERS = policy(FORBIDDEN, owner=OK, coauthor=OK, other_trainer=HIDDEN, admin=OK)
MODULE_OWNER = policy(FORBIDDEN, owner=OK, other_trainer=HIDDEN, admin=OK)
# The session: the owner trains it.
SESSION_STAFF = policy(FORBIDDEN, owner=OK, coauthor=HIDDEN, other_trainer=HIDDEN, admin=OK)
MANAGERS = policy(FORBIDDEN, unit_manager=OK, sibling_manager=OK, admin=OK)
# The learner, the ward and the target are in the unit manager's subtree only.
UNIT_MANAGERS = policy(FORBIDDEN, unit_manager=OK, sibling_manager=HIDDEN, admin=OK)
HOLDER = policy(HIDDEN, learner=OK)
# The unit picker's search: managers and admins in their scope; trainers too, for a session's
# audience (lms.org.picker.choosable).
UNIT_PICKERS = policy(
    FORBIDDEN,
    owner=OK,
    coauthor=OK,
    other_trainer=OK,
    unit_manager=OK,
    sibling_manager=OK,
    admin=OK,
)
BEARER = policy(NO_TOKEN, anonymous=NO_TOKEN)
# The token endpoint answers a form that is no OAuth 2 grant with 400 (invalid_request).
NOT_A_GRANT = policy("status 400", anonymous="status 400")

POLICY = {
    "/static/<path:filename>": PUBLIC,
    # Operations: for the load balancer and the monitoring; /metrics only from the addresses
    # in LMS_METRICS_ALLOW, the test client's 127.0.0.1 among them (tests/core/test_metrics.py).
    "/healthz": PUBLIC,
    "/readyz": PUBLIC,
    "/metrics": PUBLIC,
    # Accounts
    "/login": PUBLIC,
    "/logout": SIGNED_IN,
    "/language": PUBLIC,
    "/account/password": SIGNED_IN,
    "/account/activate/<token>": PUBLIC,
    "/account/forgot-password": PUBLIC,
    "/account/reset/<token>": PUBLIC,
    "/account/sessions": SIGNED_IN,
    "/account/data": SIGNED_IN,
    "/account/sessions/end-others": SIGNED_IN,
    # Nobody's sign-in: everyone's own are taken through the page (tests/accounts).
    "/account/sessions/<int:sign_in_id>/end": policy(HIDDEN),
    # The second factor: the sign-in's second step answers whoever holds a pending sign-in
    # (anyone else is sent back to sign in, or refused with 422 on the JSON steps).
    "/login/second-factor": PUBLIC,
    "/login/second-factor/passkey/options": PUBLIC,
    "/login/second-factor/passkey": PUBLIC,
    "/login/passkey/options": PUBLIC,
    "/login/passkey": PUBLIC,
    "/account/security": SIGNED_IN,
    "/account/security/authenticator": SIGNED_IN,
    "/account/security/recovery-codes": SIGNED_IN,
    "/account/security/forget-devices": SIGNED_IN,
    "/account/security/passkeys/options": SIGNED_IN,
    "/account/security/passkeys": SIGNED_IN,
    # Single sign-on: the matrix's site configures no provider, so every name is absent
    # (tests/accounts/test_oidc.py signs in through a real one).
    "/login/oidc/<provider>": policy(HIDDEN, anonymous=HIDDEN),
    "/login/oidc/<provider>/callback": policy(HIDDEN, anonymous=HIDDEN),
    # Learning, the catalogue and certificates: every signed-in person as a learner
    "/": SIGNED_IN,
    "/catalogue": SIGNED_IN,
    "/modules/<slug>": SIGNED_IN,
    "/modules/<slug>/<key>": SIGNED_IN,
    "/modules/<slug>/move": SIGNED_IN,
    "/modules/<slug>/renew": SIGNED_IN,
    # Published media are public: their address carries their digest.
    "/modules/<slug>/media/<digest>/<path:path>": PUBLIC,
    "/people/<int:user_id>/training": UNIT_MANAGERS,
    # Bulk assignment from a report row: a unit outside the scope is absent; the job is
    # the unit manager's, whom only admins see beside.
    "/assign": MANAGERS,
    "/assign/preview": MANAGERS,
    "/assign/units/<int:unit_id>": UNIT_MANAGERS,
    "/assign/units/<int:unit_id>/preview": UNIT_MANAGERS,
    "/assign/jobs/<int:bulk_id>": UNIT_MANAGERS,
    "/certificates": SIGNED_IN,
    "/certificates/<int:certificate_id>.pdf": HOLDER,
    "/certificates/<int:certificate_id>.json": HOLDER,
    "/transcript": SIGNED_IN,
    "/transcript.csv": SIGNED_IN,
    "/transcript.pdf": SIGNED_IN,
    "/law/": PUBLIC,
    # The third-party test plugin's page (tests/plugins), installed by the test command.
    "/practice-scenarios/": PUBLIC,
    "/law/<slug>": PUBLIC,
    "/authoring/modules/<slug>/reviews": MODULE_MANAGERS,
    # The REST API: its document and reference are public; the token endpoint wants a
    # client's credentials and every resource a bearer token, whatever the browser's session
    # (tests/api). A person's own tokens are theirs (the learner's): to anyone else absent.
    "/api/v1/openapi.json": PUBLIC,
    "/api/v1/docs": PUBLIC,
    "/api/v1/token": NOT_A_GRANT,
    "/api/v1/units": BEARER,
    "/api/v1/positions": BEARER,
    "/api/v1/position-assignments": BEARER,
    "/api/v1/people": BEARER,
    "/api/v1/people/<int:user_id>": BEARER,
    "/api/v1/people/<int:user_id>/deactivate": BEARER,
    "/api/v1/modules": BEARER,
    "/api/v1/module-assignments": BEARER,
    "/api/v1/completions": BEARER,
    "/api/v1/certificates": BEARER,
    "/api/v1/figures": BEARER,
    "/api/v1/qualification": BEARER,
    "/api/v1/roster-syncs": BEARER,
    "/api/v1/roster-syncs/<int:job_id>": BEARER,
    "/account/api-tokens": SIGNED_IN,
    "/account/api-tokens/<int:token_id>/revoke": HOLDER,
    "/verify": PUBLIC,
    "/verify/<code>": PUBLIC,
    # What any verifier of an Open Badges credential fetches: the issuer's DID document and
    # the status lists.
    "/.well-known/did.json": PUBLIC,
    "/did.json": PUBLIC,
    "/credentials/status/<int:number>": PUBLIC,
    "/my-skills": SIGNED_IN,
    "/my-skills/assessment": SIGNED_IN,
    "/notifications": SIGNED_IN,
    "/notifications/read": SIGNED_IN,
    # Training sessions
    "/sessions": SIGNED_IN,
    "/sessions/new": TRAINERS,
    "/sessions/no-shows": MANAGERS,
    "/sessions/<int:session_id>": SIGNED_IN,
    "/sessions/<int:session_id>.ics": SIGNED_IN,
    "/sessions/<int:session_id>/enrol": SIGNED_IN,
    # The learner's enrolment: themself, their managers, the session's trainers, admins.
    "/sessions/<int:session_id>/cancel": policy(
        FORBIDDEN, learner=OK, owner=OK, unit_manager=OK, admin=OK
    ),
    "/sessions/<int:session_id>/enrol-staff": policy(
        FORBIDDEN, unit_manager=OK, sibling_manager=OK
    ),
    "/sessions/<int:session_id>/edit": SESSION_STAFF,
    "/sessions/<int:session_id>/roster": SESSION_STAFF,
    "/sessions/<int:session_id>/attendance": SESSION_STAFF,
    "/sessions/<int:session_id>/attendance.<any(csv, xlsx):kind>": SESSION_STAFF,
    "/sessions/<int:session_id>/slots/<int:slot_id>/check-in": SESSION_STAFF,
    "/check-in/<int:slot_id>/<token>": SIGNED_IN,
    "/calendar": SIGNED_IN,
    "/calendar/feed": SIGNED_IN,
    "/calendar/<token>.ics": PUBLIC,
    # Managers: their subtree
    "/org/people": MANAGERS,
    "/org/units/search": UNIT_PICKERS,
    "/org/units/find": UNIT_PICKERS,
    "/org/people/<int:user_id>": UNIT_MANAGERS,
    "/reports/": MANAGERS,
    "/reports/people": MANAGERS,
    "/reports/export/<any(units, positions, modules, months, targets, people):table>"
    ".<any(csv, xlsx):fmt>": MANAGERS,
    "/reports/targets": MANAGERS,
    "/reports/gradebook": MANAGERS,
    "/reports/gradebook.<any(csv, xlsx):fmt>": MANAGERS,
    "/reports/units/<int:unit_id>/gradebook": UNIT_MANAGERS,
    "/reports/units/<int:unit_id>/gradebook.<any(csv, xlsx):fmt>": UNIT_MANAGERS,
    # Everyone's own record; nobody else's.
    "/reports/me": SIGNED_IN,
    # The qualification check: its people are looked up within the scope, so an outsider in
    # the list reads as absent (tests/reports/test_qualification.py).
    "/reports/qualification": MANAGERS,
    "/reports/targets/<int:target_id>/delete": UNIT_MANAGERS,
    "/reports/people/<int:user_id>": UNIT_MANAGERS,
    "/reports/units/<int:unit_id>": UNIT_MANAGERS,
    "/reports/units/<int:unit_id>/people": UNIT_MANAGERS,
    "/reports/units/<int:unit_id>/export/"
    "<any(units, positions, modules, months, targets, people):table>.<any(csv, xlsx):fmt>": (
        UNIT_MANAGERS
    ),
    "/reports/units/<int:unit_id>/targets": UNIT_MANAGERS,
    "/reports/units/<int:unit_id>/targets/<int:target_id>/delete": UNIT_MANAGERS,
    "/needs/people": MANAGERS,
    "/needs/people/<int:user_id>": UNIT_MANAGERS,
    "/needs/people/<int:user_id>/assign": UNIT_MANAGERS,
    "/needs/people/<int:user_id>/follow-up": UNIT_MANAGERS,
    "/needs/people/<int:user_id>/rating": UNIT_MANAGERS,
    "/needs/report": MANAGERS,
    "/needs/report.<any(csv, xlsx):kind>": MANAGERS,
    "/needs/effectiveness": MANAGERS,
    "/needs/effectiveness/<slug>": MANAGERS,
    "/needs/framework": ADMINS,
    "/needs/framework/<code>": ADMINS,
    "/needs/positions/<int:position_id>/standards": ADMINS,
    # Authoring: trainers and admins; a module's pages for those who manage it
    "/authoring/": TRAINERS,
    "/authoring/modules/new": TRAINERS,
    "/authoring/import": TRAINERS,
    "/authoring/modules/<slug>": MODULE_MANAGERS,
    "/authoring/modules/<slug>/settings": MODULE_MANAGERS,
    "/authoring/modules/<slug>/activities": MODULE_MANAGERS,
    "/authoring/modules/<slug>/activities/<key>/move": MODULE_MANAGERS,
    "/authoring/modules/<slug>/activities/<key>/remove": MODULE_MANAGERS,
    "/authoring/modules/<slug>/<segment>/<key>": MODULE_MANAGERS,
    "/authoring/modules/<slug>/media": MODULE_MANAGERS,
    "/authoring/modules/<slug>/media/<digest>/<path:path>": MODULE_MANAGERS,
    "/authoring/modules/<slug>/quizzes/<key>/gift": MODULE_MANAGERS,
    "/authoring/modules/<slug>/quizzes/<key>/questions/new": MODULE_MANAGERS,
    "/authoring/modules/<slug>/quizzes/<key>/questions/<int:item_id>": MODULE_MANAGERS,
    "/authoring/modules/<slug>/quizzes/<key>/questions/<int:item_id>/remove": MODULE_MANAGERS,
    "/authoring/modules/<slug>/publish": MODULE_MANAGERS,
    "/authoring/modules/<slug>/discard": MODULE_MANAGERS,
    "/authoring/modules/<slug>/versions": MODULE_MANAGERS,
    "/authoring/modules/<slug>/preview": MODULE_MANAGERS,
    "/authoring/modules/<slug>/export": MODULE_MANAGERS,
    "/authoring/modules/<slug>/duplicate": MODULE_MANAGERS,
    "/authoring/modules/<slug>/authors": MODULE_OWNER,
    # A quiz's bank, attempts and statistics, and one attempt: as authoring
    "/trainer/modules/<slug>/quizzes/<key>/bank": MODULE_MANAGERS,
    "/trainer/modules/<slug>/quizzes/<key>/bank/import": MODULE_MANAGERS,
    "/trainer/modules/<slug>/quizzes/<key>/attempts": MODULE_MANAGERS,
    "/trainer/modules/<slug>/quizzes/<key>/questions": MODULE_MANAGERS,
    "/trainer/attempts/<int:attempt_id>": MODULE_MANAGERS,
}
# Every page of the admin blueprint is for admins only: its guard runs before any view.
ADMIN_PREFIX = "/admin/"


def policy_of(rule: str) -> dict[str, str] | None:
    if rule.startswith(ADMIN_PREFIX):
        return ADMINS
    return POLICY.get(rule)


def parameters(world) -> dict[tuple[str, str], object]:
    """Values of URL parameters that mean something else on some routes, by (endpoint,
    parameter); the rest come from ``world.values``."""
    return {
        ("accounts.activate", "token"): world.tokens["activation"],
        ("accounts.reset_password", "token"): world.tokens["reset"],
        ("accounts.end_sign_in", "sign_in_id"): 0,
        ("accounts.oidc_start", "provider"): "province",
        ("accounts.oidc_callback", "provider"): "province",
        ("classes.check_in", "token"): world.tokens["check_in"],
        ("needs.competency_edit", "code"): world.competency,
        ("admin.roster_audit_links", "import_id"): world.audit_import_id,
        ("authoring.activity_edit", "segment"): "lessons",
        ("authoring.activity_edit", "key"): world.lesson_key,
        ("authoring.activity_move", "key"): world.lesson_key,
        ("authoring.activity_remove", "key"): world.lesson_key,
        ("authoring.question_edit", "item_id"): 0,
        ("authoring.question_remove", "item_id"): 0,
        ("legal.instrument_detail", "slug"): "57-nq-tw",
        ("certificates.status_list", "number"): 1,
        ("api_v1.roster_sync_status", "job_id"): world.values["import_id"],
    }


def payloads(world) -> dict[str, dict]:
    """What a POST sends beyond its CSRF token, by endpoint: enough for the request to reach
    the rule that decides, as someone trying it would send."""
    learner = world.values["user_id"]
    return {
        "assessment.quiz_bank_import": {"gift": GIFT, "language": "vi"},
        "authoring.author_add": {"username": world.users["other_trainer"][0]},
        "authoring.question_remove": {"language": "vi"},
        "authoring.module_review": {"unit": "Sở Nội vụ"},
        "classes.cancel": {"user_id": learner},
        "needs.follow_up": {"module_id": world.plugin_module_id, "rating": "3"},
    }


# Query strings some pages need to name what they show.
QUERIES = {"authoring.question_edit": "?language=vi"}
GIFT = "::otp:: Ai được hỏi mã OTP của bạn? {=Không ai ~Cán bộ ngân hàng}\n"


def routes(app):
    """(rule, method) for every rule of the URL map and each of GET and POST it takes."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule, method


def url_of(app, world, rule) -> str:
    overrides = parameters(world)
    values = {
        name: overrides.get((rule.endpoint, name), world.values.get(name))
        for name in rule.arguments
    }
    with app.test_request_context():
        return rule.build(values, append_unknown=False)[1] + QUERIES.get(rule.endpoint, "")


def outcome(response) -> str:
    """The class of a response; an allowed request may still be refused for what it sent
    (422), and any other status is wrong whatever the policy."""
    status = response.status_code
    if status in (302, 303) and response.location.startswith("/login?next="):
        return LOGIN
    if status == 401:
        return NO_TOKEN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return HIDDEN
    if status < 400 or status == 422:
        return OK
    return f"status {status}"


def test_every_route_has_a_policy_and_its_parameters_are_filled(world):
    app = world.app
    missing = []
    for rule, method in routes(app):
        if policy_of(rule.rule) is None:
            missing.append(f"{method} {rule.rule}: no policy")
        unfilled = [
            name
            for name in rule.arguments
            if world.values.get(name) is None and (rule.endpoint, name) not in parameters(world)
        ]
        if unfilled:
            missing.append(f"{method} {rule.rule}: nothing fills {', '.join(unfilled)}")
    assert missing == []
    assert not set(POLICY) - {rule.rule for rule, _method in routes(app)}, "stale policies"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_policy_says(world, role):
    app = world.app
    baseline = world.checksum()
    wrong = []
    for rule, method in routes(app):
        expected = policy_of(rule.rule)[role]
        url = url_of(app, world, rule)
        data = payloads(world).get(rule.endpoint) if method == "POST" else None
        refused_post = method == "POST" and expected != OK
        response, after = world.request(role, method, url, data, checksum=refused_post)
        got = outcome(response)
        if got != expected:
            wrong.append(f"{method} {url}: {got} ({response.status_code}), expected {expected}")
        elif refused_post and after != baseline:
            changed = sorted(name for name in after if after[name] != baseline[name])
            wrong.append(f"{method} {url}: refused, yet changed {', '.join(changed)}")
    assert not wrong, "\n".join(wrong)

"""Sign-in through a province's OpenID Connect provider (docs/identity.md).

The protocol is Authlib's Flask client: the authorization code flow with PKCE (S256), a
``state`` and a ``nonce`` kept in the signed session cookie, the provider's endpoints and keys
from its discovery document, and the ID token's signature, ``iss``, ``aud``, ``exp``, ``iat``
and ``nonce`` checked (``verified_claims``). A token signed with a key id the cached key set
lacks makes Authlib fetch the provider's keys again once, so a provider can rotate its keys.
One client per provider is kept with the application, built from ``LMS_OIDC_PROVIDERS``.

The rules of who a verified identity is (``sign_in``) follow the services' habits: they
flush, audit and signal, and the view commits. A provider's identity is linked to an account
(``OidcLink``) at the first sign-in, by the configured claim compared with the username, never
by a name; later sign-ins go by the link alone. Without a match the sign-in is refused, unless
the provider creates accounts just in time.
"""

import json
import logging
from dataclasses import dataclass

import requests
import sqlalchemy as sa
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError

from lms.accounts.activation import create_invited_user
from lms.accounts.models import OidcLink, User
from lms.accounts.services import normalise_username
from lms.core import audit, clock, signals
from lms.core.errors import Invalid, NotFound
from lms.extensions import db

log = logging.getLogger(__name__)

# Seconds a provider may take to answer one request (discovery, keys, token, userinfo).
TIMEOUT = 10
# Seconds of clock difference with the provider tolerated on the ID token's exp and iat.
LEEWAY = 60


@dataclass(frozen=True)
class Provider:
    """One configured provider: its name in LMS_OIDC_PROVIDERS and its settings."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    username_claim: str
    jit: bool
    unit_claim: str
    position_claim: str
    name_claim: str
    email_claim: str
    discovery_url: str | None

    @property
    def metadata_url(self) -> str:
        return self.discovery_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def providers() -> list[Provider]:
    """Every configured provider, in the order configured."""
    return [
        Provider(name=name, **{**settings, "scopes": tuple(settings["scopes"])})
        for name, settings in current_app.config["LMS_OIDC_PROVIDERS"].items()
    ]


def provider(name: str) -> Provider:
    """The provider called ``name``; ``NotFound`` when none is."""
    for candidate in providers():
        if candidate.name == name:
            return candidate
    raise NotFound(_l("There is no such sign-in service."))


def client(chosen: Provider):
    """The Authlib client of ``chosen``, built once per application and settings, so its
    discovery document and keys are fetched once and kept."""
    clients = current_app.extensions.setdefault("lms_oidc_clients", {})
    key = json.dumps(chosen.__dict__, sort_keys=True)
    if key not in clients:
        clients[key] = FlaskOAuth2App(
            FlaskIntegration(chosen.name),
            name=chosen.name,
            client_id=chosen.client_id,
            client_secret=chosen.client_secret,
            server_metadata_url=chosen.metadata_url,
            client_kwargs={
                "scope": " ".join(chosen.scopes),
                "code_challenge_method": "S256",
                "default_timeout": TIMEOUT,
            },
        )
    return clients[key]


class SignInRefused(Invalid):
    """The provider's answer does not sign anyone in; the message says why, for the person."""


def external_url(endpoint: str, **values) -> str:
    """An absolute address of this site for a provider to send people to: under
    ``LMS_BASE_URL`` when set (behind a proxy), else the request's own."""
    base = current_app.config["LMS_BASE_URL"]
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


def redirect_uri(chosen: Provider) -> str:
    """Where the provider sends the person back: register it at the provider."""
    return external_url("accounts.oidc_callback", provider=chosen.name)


def authorization_redirect(chosen: Provider):
    """The redirect to ``chosen``'s authorization endpoint, its state, nonce and PKCE
    verifier kept in the session. Raises ``SignInRefused`` when the provider cannot be
    reached."""
    try:
        return client(chosen).authorize_redirect(redirect_uri(chosen))
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as error:
        log.warning("OpenID Connect provider %s unreachable: %r", chosen.name, error)
        raise SignInRefused(_unreachable(chosen)) from error


def _unreachable(chosen: Provider):
    return _l(
        "%(provider)s cannot be reached at the moment. Try again later.", provider=chosen.label
    )


def verified_claims(chosen: Provider) -> tuple[dict, str]:
    """The verified claims of the person the provider sent back to this request, and the ID
    token (for signing out there later). Exchanges the code (with the PKCE verifier) at the
    token endpoint, checks the ID token, and adds the userinfo endpoint's claims when the ID
    token lacks one the configuration names.

    Raises ``SignInRefused``: for a state this browser did not start (or already used), a
    refusal by the provider (a code used twice, a cancelled sign-in), an ID token whose
    signature, issuer, audience, expiry or nonce is wrong, or a provider out of reach.
    """
    oauth_client = client(chosen)
    claims_options = {
        "iss": {"essential": True, "value": chosen.issuer},
        "aud": {"essential": True, "value": chosen.client_id},
    }
    try:
        token = oauth_client.authorize_access_token(claims_options=claims_options, leeway=LEEWAY)
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise SignInRefused(_unverified(chosen))
        wanted = {chosen.username_claim, chosen.name_claim, chosen.email_claim}
        if chosen.jit:
            wanted |= {chosen.unit_claim, chosen.position_claim}
        if not wanted <= claims.keys() and "userinfo_endpoint" in oauth_client.server_metadata:
            extra = oauth_client.userinfo(token=token)
            if extra.get("sub") != claims["sub"]:
                raise SignInRefused(_unverified(chosen))
            claims = {**extra, **claims}
    except MismatchingStateError as error:
        log.warning("OpenID Connect %s: state unknown to this session", chosen.name)
        raise SignInRefused(
            _l("This sign-in was not started here or was already finished. Start again.")
        ) from error
    except OAuthError as error:
        log.warning("OpenID Connect %s refused: %s %s", chosen.name, error.error, error.description)
        raise SignInRefused(
            _l(
                "%(provider)s did not sign you in (%(reason)s). Start again.",
                provider=chosen.label,
                reason=error.error or "error",
            )
        ) from error
    except (JoseError, AuthlibBaseError) as error:
        log.warning("OpenID Connect %s: ID token refused: %r", chosen.name, error)
        raise SignInRefused(_unverified(chosen)) from error
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID Connect provider %s unreachable: %r", chosen.name, error)
        raise SignInRefused(_unreachable(chosen)) from error
    return claims, token["id_token"]


def _unverified(chosen: Provider):
    return _l(
        "The answer from %(provider)s could not be verified, so you have not been signed in.",
        provider=chosen.label,
    )


def end_session_url(provider_name: str, id_token: str, *, back_to: str) -> str | None:
    """The provider's end-session address (RP-initiated logout) with ``id_token_hint`` and
    ``post_logout_redirect_uri``, or None when it has none, is no longer configured, or
    cannot be reached."""
    chosen = next((each for each in providers() if each.name == provider_name), None)
    if chosen is None:
        return None
    try:
        oauth_client = client(chosen)
        if "end_session_endpoint" not in oauth_client.load_server_metadata():
            return None
        return oauth_client.create_logout_url(
            post_logout_redirect_uri=back_to, id_token_hint=id_token
        )["url"]
    except (requests.RequestException, ValueError) as error:
        log.warning("OpenID Connect provider %s unreachable at sign-out: %r", chosen.name, error)
        return None


def sign_in(chosen: Provider, claims: dict) -> User:
    """The account the verified ``claims`` of ``chosen`` sign in as, linked on first use.

    The link (provider, ``sub``) decides when there is one. Otherwise the claim
    ``username_claim`` must equal an account's username, which is then linked; with no such
    account, one is created when the provider has ``jit`` on (unit and position from
    ``unit_claim`` and ``position_claim``, through the org domain). Raises ``Invalid`` when no
    account matches, the claim is missing, the account is deactivated or already linked to
    another identity at this provider, or just-in-time creation cannot place the person.
    """
    subject = str(claims["sub"])
    found = db.session.execute(
        sa.select(OidcLink, User)
        .join(User, User.id == OidcLink.user_id)
        .where(OidcLink.provider == chosen.name, OidcLink.subject == subject)
    ).first()
    if found is not None:
        link, user = found
    else:
        user = _first_sign_in_account(chosen, claims)
        link = OidcLink(provider=chosen.name, subject=subject, user_id=user.id)
        db.session.add(link)
        audit.record(None, "user.oidc_linked", user, provider=chosen.name, subject=subject)
    if not user.active:
        raise Invalid(_l("This account has been deactivated. Ask your administrator."))
    link.last_used_at = user.last_login_at = clock.now()
    db.session.flush()
    return user


def _first_sign_in_account(chosen: Provider, claims: dict) -> User:
    value = claims.get(chosen.username_claim)
    if not isinstance(value, str) or not value.strip():
        raise Invalid(
            _l(
                "%(provider)s did not say which account is yours (claim %(claim)s). "
                "Ask your administrator.",
                provider=chosen.label,
                claim=chosen.username_claim,
            )
        )
    username = normalise_username(value)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        if not chosen.jit:
            raise Invalid(
                _l(
                    "You signed in at %(provider)s as %(username)s, but no account here has "
                    "that username. Ask your administrator to create your account.",
                    provider=chosen.label,
                    username=username,
                )
            )
        return _provision(chosen, claims, username)
    linked = db.session.scalar(
        sa.select(OidcLink.id).where(OidcLink.provider == chosen.name, OidcLink.user_id == user.id)
    )
    if linked is not None:
        raise Invalid(
            _l(
                "The account %(username)s is already linked to another identity at "
                "%(provider)s. Ask your administrator.",
                username=username,
                provider=chosen.label,
            )
        )
    return user


def _provision(chosen: Provider, claims: dict, username: str) -> User:
    unit_code, position_code = claims.get(chosen.unit_claim), claims.get(chosen.position_claim)
    if not (isinstance(unit_code, str) and unit_code and isinstance(position_code, str)):
        raise Invalid(
            _l(
                "%(provider)s did not say which unit and position you hold, so no account "
                "can be made for you. Ask your administrator.",
                provider=chosen.label,
            )
        )
    full_name = claims.get(chosen.name_claim)
    email = claims.get(chosen.email_claim)
    user = create_invited_user(
        None,
        username=username,
        full_name=full_name if isinstance(full_name, str) and full_name.strip() else username,
        email=email if isinstance(email, str) and email else None,
        audit_details={"provider": chosen.name},
    )
    signals.account_provisioned.send(
        user, unit_code=unit_code, position_code=position_code, starts_on=clock.today()
    )
    return user

"""HTTP hardening applied to every response, cookie flags that follow the scheme, and
requests carrying a NUL character refused."""

from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix


def content_security_policy(form_targets=(), *, inline_styles: bool = False) -> str:
    """The policy every page gets. ``form_targets``: origins a form may lead to beyond the
    site, through its redirect (the sign-in and sign-out buttons go on to an identity
    provider, and browsers hold a form's redirects to form-action too). ``inline_styles``:
    only for a vendored viewer that writes its own <style> elements; scripts stay the site's."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'" if inline_styles else "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            " ".join(["form-action 'self'", *form_targets]),
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _hardener(headers: dict):
    def harden(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    return harden


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SecureCookiesOverHttps:
    """WSGI middleware: over https every cookie gets the Secure flag.

    Flask and Flask-Login read a fixed Secure flag from config and set their cookies at
    different points of the response; doing it here, last, covers both, so one deployment
    serves plain http on localhost and https behind a proxy.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start_secure(status, headers, exc_info=None):
            headers = [
                (name, f"{value}; Secure")
                if name.lower() == "set-cookie" and "; secure" not in value.lower()
                else (name, value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start_secure)


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def refuse_nul() -> None:
    """No field of ours means a NUL character, and PostgreSQL cannot store or even compare
    one in text, so a request with one in its path, query, form fields or JSON is refused
    (400) before a query sees it, on every route alike."""
    fields = [request.path, *request.args.keys(), *request.args.listvalues()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += [*request.form.keys(), *request.form.listvalues()]
    if _holds_nul([*fields, request.get_json(silent=True) if request.is_json else None]):
        raise BadRequest()


def register(app: Flask) -> None:
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)
    app.before_request(refuse_nul)
    if app.config["LMS_PROXY_COUNT"]:
        count = app.config["LMS_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    # The OpenID Connect providers' sign-in and sign-out pages are at their issuer's origin.
    providers = sorted(
        {_origin(settings["issuer"]) for settings in app.config["LMS_OIDC_PROVIDERS"].values()}
    )
    headers = {**HEADERS, "Content-Security-Policy": content_security_policy(providers)}
    app.after_request(_hardener(headers))

"""A real OpenID Connect provider for the tests: the npm package ``oidc-provider``
(``package.json``) run by Node.js from ``server.mjs`` on a free port of 127.0.0.1, installed
once into a cache folder (``tests.core.node``).

``IdentityProvider`` starts and stops it, and plays a person at its login and consent pages
without a browser (``authorize``). ``Interceptor`` stands between the site and the provider's
token endpoint and key set, to hand the site ID tokens the test has changed, signed with a
key of the test's own that the key set it serves includes.
"""

import base64
import json
import os
import re
import secrets
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from lms.config import OIDC_DEFAULTS
from tests.core.node import installed
from tests.core.servers import free_port

HERE = Path(__file__).parent
FILES = ("package.json", "server.mjs")
NAME = "province"
LABEL = "Cổng đăng nhập tỉnh"
CLIENT_ID = "lms-tests"
CALLBACK_PATH = f"/login/oidc/{NAME}/callback"
POST_LOGOUT_PATH = "/login"


class IdentityProvider:
    """``server.mjs`` under Node.js; ``issuer`` is its address."""

    def __init__(self, folder: Path, log: Path):
        self.folder, self.log = folder, log
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.client_secret = secrets.token_urlsafe(24)
        self.process = None

    def start(self) -> None:
        environment = {
            "PATH": os.environ["PATH"],
            "PORT": str(self.port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": self.client_secret,
            "CALLBACK_PATH": CALLBACK_PATH,
            "POST_LOGOUT_PATH": POST_LOGOUT_PATH,
        }
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                ["node", "server.mjs"],
                cwd=self.folder,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while f"ready {self.issuer}" not in self.log.read_text()[offset:]:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"oidc-provider did not start: {self.log.read_text()[offset:]}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)

    def restart(self) -> None:
        """Start again on the same address: it signs with a new key of a new key id."""
        self.stop()
        self.start()

    def settings(self, **changes) -> dict:
        """The site's settings for this provider (an entry of LMS_OIDC_PROVIDERS)."""
        return {
            **OIDC_DEFAULTS,
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": self.client_secret,
            "label": LABEL,
            "scopes": ["openid", "profile", "email", "civil_service"],
            **changes,
        }

    def authorize(self, url: str, login: str, browser: requests.Session | None = None) -> str:
        """Follow the site's redirect ``url`` through the provider's login and consent pages
        as ``login``; returns the address the provider sends the person back to."""
        browser = browser or requests.Session()
        response = browser.get(url, allow_redirects=False, timeout=10)
        while True:
            location = response.headers.get("Location")
            if response.is_redirect and location:
                location = urljoin(response.url, location)
                if not location.startswith(self.issuer):
                    return location
                response = browser.get(location, allow_redirects=False, timeout=10)
                continue
            assert response.status_code == 200, response.text
            action = re.search(r'<form[^>]* action="([^"]+)"', response.text).group(1)
            prompt = re.search(r'name="prompt" value="(\w+)"', response.text).group(1)
            data = {"prompt": prompt}
            if prompt == "login":
                data.update(login=login, password="any password")
            response = browser.post(
                urljoin(response.url, action), data=data, allow_redirects=False, timeout=10
            )


def start_provider(tmp_path_factory) -> IdentityProvider:
    folder = installed(HERE, FILES, name="oidc-provider", what="the OpenID Connect provider")
    provider = IdentityProvider(folder, tmp_path_factory.mktemp("oidc-provider") / "server.log")
    provider.start()
    return provider


@pytest.fixture(scope="session")
def identity_provider(tmp_path_factory):
    """The provider, running for the whole session."""
    provider = start_provider(tmp_path_factory)
    yield provider
    provider.stop()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims_of(id_token: str) -> dict:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class Interceptor:
    """A proxy in front of ``provider`` for the site's server-to-server requests: its
    discovery document sends the token endpoint and the key set through the proxy (the
    issuer and the login pages stay the provider's). The key set gains ``key``'s public half.
    ``change_id_token``, when set, turns each ID token the provider issues into another."""

    def __init__(self, provider: IdentityProvider):
        self.provider = provider
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "alg": "RS256"})
        self.change_id_token = None
        interceptor = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                interceptor.forward(self, "GET")

            def do_POST(self):
                interceptor.forward(self, "POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def settings(self, **changes) -> dict:
        return self.provider.settings(
            discovery_url=f"{self.base}/.well-known/openid-configuration", **changes
        )

    def re_signed(self, **claims) -> "callable":
        """An ID token change: these claims replaced, signed with the test's own key."""

        def change(id_token: str) -> str:
            changed = {**_claims_of(id_token), **claims}
            return jwt.encode({"alg": "RS256", "kid": "test-key"}, changed, self.key)

        return change

    @staticmethod
    def tampered(id_token: str) -> str:
        """The provider's token with its subject changed and the provider's signature kept."""
        header, _payload, signature = id_token.split(".")
        changed = {**_claims_of(id_token), "sub": "someone-else"}
        return f"{header}.{_b64(json.dumps(changed).encode())}.{signature}"

    def forward(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        headers = {
            name: value
            for name, value in handler.headers.items()
            if name.lower() in {"authorization", "content-type", "accept"}
        }
        answer = requests.request(
            method, self.provider.issuer + handler.path, data=body, headers=headers, timeout=10
        )
        content = answer.content
        path = handler.path.split("?")[0]
        if answer.ok and path == "/.well-known/openid-configuration":
            document = answer.json()
            document["token_endpoint"] = f"{self.base}/token"
            document["jwks_uri"] = f"{self.base}/jwks"
            content = json.dumps(document).encode()
        elif answer.ok and path == "/jwks":
            keys = answer.json()
            keys["keys"].append(self.key.as_dict(private=False))
            content = json.dumps(keys).encode()
        elif answer.ok and path == "/token" and self.change_id_token:
            token = answer.json()
            token["id_token"] = self.change_id_token(token["id_token"])
            content = json.dumps(token).encode()
        handler.send_response(answer.status_code)
        handler.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

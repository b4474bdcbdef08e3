"""Text computed from immutable content, kept by the content's hash.

A module version never changes once published, so what is derived from it (a lesson's HTML
ready to insert in a page) is computed once per content hash and locale: in this process,
in a bounded least-recently-used map, and in Redis when ``LMS_REDIS_URL`` is set, so the
other workers and app servers find it too. The key must name everything the text depends
on; nothing is ever invalidated, a changed input is a new key.

``page`` keeps whole pages the same way, in this process only: a page whose validator
(``ETag``) names everything it shows is rendered once per validator and address, and served
again from here until the validator changes. ``read_page_response`` keeps a page whose
validator is the digest of the data it shows, found again through a cheaper mark that moves
whenever that data may have changed. ``parsed`` keeps objects made from immutable content (a
quiz's questions), in this process only; they must not be changed by their users.
"""

import contextlib
import dataclasses
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from threading import Lock
from typing import Any, TypeVar, cast

import redis
from flask import Response, current_app, make_response, request, session
from flask_babel import LazyString, get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import inspect
from sqlalchemy.engine import Row

from lms.core import clock

# Entries kept in each process: a lesson's HTML is a few to a few tens of KB.
LOCAL_ENTRIES = 512
# Pages kept in each process (a lesson page is about 20 KB).
PAGE_ENTRIES = 256
# Parsed objects kept in each process (a quiz's questions in one language).
PARSED_ENTRIES = 256
# Content validators kept in each process, by mark and address (a few dozen bytes each).
MARKED_ENTRIES = 1024
# Entries in Redis expire when unused this long, so retired versions do not stay forever.
REDIS_SECONDS = 7 * 24 * 3600
_PREFIX = "lms:immutable:"


class _LeastRecentlyUsed:
    def __init__(self, size: int):
        self.size = size
        self.entries: OrderedDict[str, Any] = OrderedDict()
        self.lock = Lock()  # gunicorn's threaded workers share a process

    def get(self, key: str) -> Any:
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_local = _LeastRecentlyUsed(LOCAL_ENTRIES)
_pages = _LeastRecentlyUsed(PAGE_ENTRIES)
_parsed = _LeastRecentlyUsed(PARSED_ENTRIES)
_marked = _LeastRecentlyUsed(MARKED_ENTRIES)


def _redis() -> redis.Redis | None:
    url = current_app.config.get("LMS_REDIS_URL")
    if not url:
        return None
    clients = current_app.extensions.setdefault("lms_immutable_cache", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_timeout=0.5)
    return clients[url]


def immutable(key: str, compute: Callable[[], str]) -> str:
    """The text stored under ``key``, computed by ``compute`` the first time. Redis being
    unreachable costs the shared copy, never the page: the text is computed here instead."""
    value = _local.get(key)
    if value is not None:
        return value
    client = _redis()
    if client is not None:
        try:
            # A synchronous client answers bytes; redis-py types it for its async one too.
            shared = cast(bytes | None, client.get(_PREFIX + key))
        except redis.RedisError:
            client, shared = None, None
        if shared is not None:
            value = shared.decode()
    if value is None:
        value = compute()
        if client is not None:
            # Not shared this time: the next request tries again; this one has its text.
            with contextlib.suppress(redis.RedisError):
                client.set(_PREFIX + key, value.encode(), ex=REDIS_SECONDS)
    _local.put(key, value)
    return value


def page(key: str, compute: Callable[[], str]) -> str:
    """The page stored under ``key`` in this process, rendered by ``compute`` the first time.
    The key must name everything the page shows (its validator, address and reader)."""
    value = _pages.get(key)
    if value is None:
        value = compute()
        _pages.put(key, value)
    return value


def kept(key: str) -> Any:
    """The object kept under ``key`` in this process (``parsed``, ``keep``), or None."""
    return _parsed.get(key)


def keep(key: str, value: Any) -> None:
    """Keep ``value`` under ``key`` in this process, as ``parsed`` would; the key must name
    everything the value is made from."""
    _parsed.put(key, value)


def parsed(key: str, compute: Callable[[], Any]) -> Any:
    """The object stored under ``key`` in this process, made by ``compute`` the first time.
    The key must name everything the object is made from."""
    value = _parsed.get(key)
    if value is None:
        value = compute()
        _parsed.put(key, value)
    return value


# A page's CSRF tokens are valid for WTF_CSRF_TIME_LIMIT (8 hours): a cached page is
# revalidated into a new one every 4 hours, so the tokens it holds are never stale.
_TOKEN_HOURS = 4


def validator(parts: list) -> str | None:
    """A page's validator (``ETag``) for the signed-in person: a digest of ``parts``, what
    the page shows of the database, with what every page shows besides: the person (the
    menu names them and offers what their roles may do; named by value, as loaded), the
    language, and the session and age of the page's CSRF tokens. None while notices wait
    to be shown (the page shows them once)."""
    if session.get("_flashes"):
        return None
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    if field not in session:
        generate_csrf()  # as the page would: a session without a CSRF token gets one now
    parts = [
        *parts,
        current_user.id,
        current_user.username,
        current_user.full_name,
        sorted(current_user.role_set),
        str(get_locale()),
        session[field],
        int(clock.now().timestamp()) // (_TOKEN_HOURS * 3600),
    ]
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:32]


def address() -> str:
    """The request's host, path and query: what names a page besides its validator and
    reader (cheaper than ``request.url``, which decodes the host)."""
    return f"{request.host}{request.full_path}"


def page_response(etag: str | None, key: str, render: Callable[[], str]) -> Response:
    """The response of a page whose validator is ``etag`` (None: none, rendered every time):
    304 when the browser holds that page, else the page ``render`` gives, kept per
    validator and ``key`` (its address and reader), revalidated by the browser each time."""
    if etag is None:
        return make_response(render())
    return cached_response(etag, key) or _validated(
        make_response(page("\0".join((etag, key)), render)), etag
    )


def cached_response(etag: str, key: str) -> Response | None:
    """``page_response`` without rendering: 304 when the browser holds the page, the page
    when this process keeps it, else None."""
    if etag in request.if_none_match:
        return _validated(current_app.response_class(status=304), etag)
    kept = _pages.get("\0".join((etag, key)))
    return None if kept is None else _validated(make_response(kept), etag)


Data = TypeVar("Data")


def read_page_response(
    mark: str | None,
    key: str,
    read: Callable[[], Data],
    shown: Callable[[Data], Any],
    render: Callable[[Data], str],
) -> Response:
    """``page_response`` for a page whose data is read apart from its rendering: its
    validator is the digest of ``shown(read())`` (``fingerprint``: it must hold everything
    of the database the page shows), so a change elsewhere in the database costs the
    reading, not a render. ``mark`` (a ``validator`` that moves with anything the data
    is read from, possibly with much more) finds the page again without reading while it
    stays the same. None: no validator, rendered every time."""
    if mark is None:
        return make_response(render(read()))
    marked = "\0".join((mark, key))
    etag = _marked.get(marked)
    kept = None if etag is None else cached_response(etag, key)
    if kept is not None:
        return kept
    data = read()
    etag = validator([fingerprint(shown(data))])
    if etag is None:  # the reading left a notice to show
        return make_response(render(data))
    _marked.put(marked, etag)
    return page_response(etag, key, lambda: render(data))


def fingerprint(value: Any) -> str:
    """A digest of ``value`` that differs whenever ``value`` does: lists, tuples, rows and
    mappings item by item, dataclasses and mapped objects by their fields and columns,
    dates and lazy strings as text. Anything else is refused, rather than named by an
    address that differs every time."""
    data = json.dumps(value, separators=(",", ":"), default=_plain)
    return hashlib.sha256(data.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """``value`` (of a type JSON does not know) as data JSON knows, one level deep."""
    if isinstance(value, date | datetime | Decimal | LazyString):
        return str(value)
    if isinstance(value, Row):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return [type(value).__name__, fields]
    mapped = inspect(value, raiseerr=False)
    if mapped is not None and hasattr(mapped, "mapper"):
        return [
            type(value).__name__,
            {c.key: getattr(value, c.key) for c in mapped.mapper.column_attrs},
        ]
    raise TypeError(f"no fingerprint for {type(value).__name__}")


def _validated(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    response.cache_control.private, response.cache_control.no_cache = True, True
    return response


def forget_local() -> None:
    """Empty this process's copies (tests that count the work of a first view)."""
    _local.clear()
    _pages.clear()
    _parsed.clear()
    _marked.clear()

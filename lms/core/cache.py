"""Text computed from immutable content, kept by the content's hash.

A module version never changes once published, so what is derived from it (a lesson's HTML
ready to insert in a page) is computed once per content hash and locale: in this process,
in a bounded least-recently-used map, and in Redis when ``LMS_REDIS_URL`` is set, so the
other workers and app servers find it too. The key must name everything the text depends
on; nothing is ever invalidated, a changed input is a new key.

``page`` keeps whole pages the same way, in this process only: a page whose validator
(``ETag``) names everything it shows is rendered once per validator and address, and served
again from here until the validator changes. ``parsed`` keeps objects made from immutable
content (a quiz's questions), in this process only; they must not be changed by their users.
"""

import contextlib
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any, cast

import redis
from flask import current_app

# Entries kept in each process: a lesson's HTML is a few to a few tens of KB.
LOCAL_ENTRIES = 512
# Pages kept in each process (a lesson page is about 20 KB).
PAGE_ENTRIES = 256
# Parsed objects kept in each process (a quiz's questions in one language).
PARSED_ENTRIES = 256
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


def cached_page(key: str) -> str | None:
    """The page stored under ``key`` in this process, if any."""
    return _pages.get(key)


def page(key: str, compute: Callable[[], str]) -> str:
    """The page stored under ``key`` in this process, rendered by ``compute`` the first time.
    The key must name everything the page shows (its validator, address and reader)."""
    value = _pages.get(key)
    if value is None:
        value = compute()
        _pages.put(key, value)
    return value


def parsed(key: str, compute: Callable[[], Any]) -> Any:
    """The object stored under ``key`` in this process, made by ``compute`` the first time.
    The key must name everything the object is made from."""
    value = _parsed.get(key)
    if value is None:
        value = compute()
        _parsed.put(key, value)
    return value


def forget_local() -> None:
    """Empty this process's copies (tests that count the work of a first view)."""
    _local.clear()
    _pages.clear()
    _parsed.clear()

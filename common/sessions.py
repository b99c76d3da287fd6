"""Sessions kept in PostgreSQL and cached in Redis, surviving a Redis outage.

Django's cached_db engine already writes every session to the database; but when Redis does
not answer, its load() fails while re-filling the cache, and exists() and delete() fail
outright, so every session-authenticated request is a 500. Here every cache call is
guarded: Redis not answering means the session is read from and written to the database
alone. After a failure the cache is left alone for CACHE_RETRY_SECONDS (no connection
attempt per request while it is down), then tried again, so it comes back by itself.

A write or delete that could not reach the cache leaves a stale copy there (a session logged
out during the outage would come back with Redis). The keys are remembered, in this process,
and deleted from the cache first thing once it answers again. A process that restarts during
the outage forgets its list; a Redis restarted without persistence has no stale copies anyway.
"""

from __future__ import annotations

import logging
import threading
import time

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)

CACHE_RETRY_SECONDS = 1.0


class _CacheHealth:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_until = 0.0
        self.stale: set[str] = set()

    def usable(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, exc: Exception, stale_key: str | None) -> None:
        with self.lock:
            if self.usable():
                logger.warning("session cache unavailable, using the database alone: %r", exc)
            self.down_until = time.monotonic() + CACHE_RETRY_SECONDS
            if stale_key:
                self.stale.add(stale_key)

    def forget_stale(self, cache) -> None:
        """Delete the copies written or kept while the cache was unreachable (raises if it still is)."""
        if not self.stale:
            return
        with self.lock:
            keys, self.stale = self.stale, set()
        try:
            cache.delete_many(list(keys))
        except Exception:
            with self.lock:
                self.stale |= keys
            raise
        logger.info("session cache back: %d stale session(s) dropped", len(keys))


health = _CacheHealth()


class SessionStore(cached_db.SessionStore):
    def _cached(self, call, *, stale_key: str | None = None, default=None):
        """Run `call(cache)`; when the cache does not answer, return `default` (and remember
        `stale_key`, the entry that may now disagree with the database)."""
        if not health.usable():
            if stale_key:
                health.stale.add(stale_key)
            return default
        try:
            health.forget_stale(self._cache)
            return call(self._cache)
        except Exception as exc:
            health.failed(exc, stale_key)
            return default

    def load(self):
        key = self.cache_key
        data = self._cached(lambda cache: cache.get(key))
        if data is None:
            stored = self._get_session_from_db()
            if stored:
                data = self.decode(stored.session_data)
                age = self.get_expiry_age(expiry=stored.expire_date)
                self._cached(lambda cache: cache.set(key, data, age))
            else:
                data = {}
        return data

    def exists(self, session_key):
        if session_key and self._cached(lambda cache: (self.cache_key_prefix + session_key) in cache,
                                        default=False):
            return True
        return DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        key, data, age = self.cache_key, self._session, self.get_expiry_age()
        self._cached(lambda cache: cache.set(key, data, age), stale_key=key)

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        key = self.cache_key_prefix + session_key
        self._cached(lambda cache: cache.delete(key), stale_key=key)

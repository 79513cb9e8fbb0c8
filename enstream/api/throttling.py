"""Rate limits per API key, counted atomically in Redis.

DRF's own throttles read, compare and write a cache entry in three steps, so concurrent
requests slip past them. Here one Redis transaction increments the window's counter and
sets its expiry. Windows are fixed and aligned (a "120/minute" key gets 120 calls in each
calendar minute), which makes Retry-After exact: the seconds left in the window.

Without Redis (the embedded default) the Django cache counts instead, with `add` + `incr`;
that is good enough for one person's demo and is not a security control.
"""

import logging
import math
import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache as django_cache
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from enstream.api.authentication import client_ip
from enstream.apikeys.models import ApiKey

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(exceptions.Throttled):
    default_code = "rate_limited"
    default_detail = "Too many requests for this API key."


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int

    def __str__(self) -> str:
        return f"{self.limit}/{self.period}s"


@cache
def parse_rate(text: str) -> Rate:
    """ "120/minute", "10/s", "5000/hour", "100/10s" (100 per 10 seconds)."""
    match = _RATE.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a rate like 120/minute")
    count, multiplier, unit = match.groups()
    period = (int(multiplier) if multiplier else 1) * _UNIT_SECONDS[unit[0]]
    if int(count) < 1 or period < 1:
        raise ValueError(f"{text!r} must allow at least one call per period")
    return Rate(limit=int(count), period=period)


@cache
def _redis(url: str) -> "redis.Redis[bytes]":
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)


def _hit_redis(url: str, key: str, period: int) -> int:
    pipe = _redis(url).pipeline(transaction=True)
    pipe.incr(key)
    pipe.expire(key, period + 1)
    count, _ = pipe.execute()
    return int(count)


def _hit_cache(key: str, period: int) -> int:
    django_cache.add(key, 0, timeout=period + 1)
    try:
        return django_cache.incr(key)
    except ValueError:
        # The entry expired between add and incr: this call opens the window.
        django_cache.set(key, 1, timeout=period + 1)
        return 1


def rate_hit(identity: str, rate: Rate, now: float | None = None) -> tuple[bool, int]:
    """Count one call for `identity`; (allowed, seconds until the window resets)."""
    now = time.time() if now is None else now
    window = int(now // rate.period)
    key = f"enstream:ratelimit:{identity}:{rate.period}:{window}"
    retry_after = max(1, math.ceil((window + 1) * rate.period - now))
    url = settings.REDIS_URL
    try:
        count = _hit_redis(url, key, rate.period) if url else _hit_cache(key, rate.period)
    except redis.RedisError:
        # Rate limiting is not worth an outage: the broker alarm will already be ringing.
        logger.exception("rate limit counter unavailable; letting %s through", identity)
        return True, retry_after
    return count <= rate.limit, retry_after


def rate_for(key: ApiKey | None) -> Rate:
    return parse_rate(
        (key.rate_limit if key is not None else "") or settings.ENSTREAM_API_RATE_LIMIT
    )


class ApiKeyRateThrottle(BaseThrottle):
    """One budget per API key (its own `rate_limit`, else ENSTREAM_API_RATE_LIMIT); portal
    sessions get one per person and anonymous callers one per address."""

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is not None:
            identity = f"key:{key.public_id}"
        elif getattr(request.user, "is_authenticated", False):
            identity = f"user:{request.user.pk}"
        else:
            identity = f"ip:{client_ip(request._request)}"
        allowed, retry_after = rate_hit(identity, rate_for(key))
        if not allowed:
            raise RateLimited(wait=retry_after)
        return True

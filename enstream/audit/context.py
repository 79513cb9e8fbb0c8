"""Who is acting right now: set by the web middleware, the API authentication and tasks.

`actor_context` scopes an actor to a block (a request, a task). Inside it, `bind_actor`
names who turned out to be acting once that is known (an API key authenticated by the view,
after the middleware started the context); the block's end restores the outer actor.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Actor:
    user: Any = None
    api_key: Any = None
    ip: str | None = None
    via: str = "system"


_current: ContextVar[Actor] = ContextVar("audit_actor", default=Actor())  # noqa: B039


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def actor_context(
    *, user: Any = None, api_key: Any = None, ip: str | None = None, via: str = "system"
) -> Iterator[Actor]:
    token = _current.set(Actor(user=user, api_key=api_key, ip=ip, via=via))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def bind_actor(**changes: Any) -> Actor:
    """Change who is acting (user, api_key, ip, via) for the rest of the current context."""
    actor = replace(_current.get(), **changes)
    _current.set(actor)
    return actor

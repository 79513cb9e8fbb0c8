"""KEKs held in a PKCS#11 token (SoftHSM2 in development and CI, a certified HSM in production).

Each KEK version is a non-extractable, sensitive AES-256 key in the token labelled
`<prefix>-v<N>` with only the wrap and unwrap capabilities. Data keys are wrapped and unwrapped
inside the token with CKM_AES_KEY_WRAP_PAD; rotation rewraps a data key without it leaving the
token. A process opens one logged-in session per token and shares it between threads under a
lock; a process forked from it (Celery prefork) opens its own.
"""

import os
import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11.exceptions import (
    NoSuchToken,
    PKCS11Error,
    SessionClosed,
    SessionHandleInvalid,
    UserAlreadyLoggedIn,
)

from enstream.keystore.backends.base import KekBackend
from enstream.keystore.errors import KeystoreError

T = TypeVar("T")

_WRAP = Mechanism.AES_KEY_WRAP_PAD
# How long a process trusts its view of which KEK versions exist before listing them again,
# so a rotation done by `manage.py rotate_kek` reaches running workers without a restart.
_VERSIONS_TTL_SECONDS = 30.0


class _TokenSession:
    def __init__(self, session: pkcs11.Session) -> None:
        self.session = session
        self.lock = threading.RLock()
        self.generation = time.monotonic_ns()


_sessions: dict[tuple[str, str], _TokenSession] = {}
_sessions_lock = threading.Lock()
_reinitialise: set[str] = set()


def _forget_sessions_in_child() -> None:
    # Sessions do not survive fork, and a lock another thread held at fork time would never
    # be released in the child: start over, and restart each library at its next use.
    global _sessions_lock
    _sessions_lock = threading.Lock()
    _reinitialise.update(module for module, _ in _sessions)
    _sessions.clear()


os.register_at_fork(after_in_child=_forget_sessions_in_child)


def _open_session(module: str, token_label: str, pin: str | None) -> _TokenSession:
    key = (module, token_label)
    with _sessions_lock:
        if module in _reinitialise:
            _reinitialise.discard(module)
            pkcs11.lib(module).reinitialize()
        if key in _sessions:
            return _sessions[key]
        if not pin:
            raise KeystoreError("ENSTREAM_PKCS11_PIN is not set")
        try:
            token = pkcs11.lib(module).get_token(token_label=token_label)
        except NoSuchToken:
            raise KeystoreError(f"no PKCS#11 token labelled {token_label!r} in {module}") from None
        except PKCS11Error as exc:
            raise KeystoreError(f"PKCS#11 module {module} failed: {type(exc).__name__}") from None
        try:
            session = token.open(rw=True, user_pin=pin)
        except UserAlreadyLoggedIn:
            # Login is per process and token; another session of ours already holds it.
            session = token.open(rw=True)
        except PKCS11Error as exc:
            raise KeystoreError(
                f"login to PKCS#11 token {token_label!r} failed: {type(exc).__name__}"
            ) from None
        _sessions[key] = _TokenSession(session)
        return _sessions[key]


def _drop_session(module: str, token_label: str, stale: _TokenSession) -> None:
    with _sessions_lock:
        if _sessions.get((module, token_label)) is stale:
            del _sessions[(module, token_label)]


class Pkcs11KekBackend(KekBackend):
    name = "pkcs11"

    def __init__(self, *, module: str, token_label: str, pin: str | None, label_prefix: str):
        self.module = module
        self.token_label = token_label
        self._pin = pin
        self.label_prefix = label_prefix
        self._label = re.compile(rf"^{re.escape(label_prefix)}-v([1-9][0-9]*)$")
        self._keys: dict[int, pkcs11.SecretKey] = {}
        self._keys_generation = 0
        self._listed_at = float("-inf")

    def __repr__(self) -> str:
        return f"<Pkcs11KekBackend token={self.token_label!r} prefix={self.label_prefix!r}>"

    def describe(self) -> str:
        return f"pkcs11 token {self.token_label!r}, KEK labels {self.label_prefix}-v<N>"

    def _run(self, operation: Callable[[pkcs11.Session], T]) -> T:
        """Run `operation` on the shared session, reopening it once if the token dropped it."""
        for attempt in (1, 2):
            shared = _open_session(self.module, self.token_label, self._pin)
            with shared.lock:
                if self._keys_generation != shared.generation:
                    self._keys, self._listed_at = {}, float("-inf")
                    self._keys_generation = shared.generation
                try:
                    return operation(shared.session)
                except (SessionHandleInvalid, SessionClosed):
                    _drop_session(self.module, self.token_label, shared)
                    if attempt == 2:
                        raise KeystoreError(f"PKCS#11 token {self.token_label!r} closed") from None
        raise AssertionError("unreachable")

    def _list(self, session: pkcs11.Session, *, force: bool = False) -> dict[int, pkcs11.SecretKey]:
        if not force and time.monotonic() - self._listed_at < _VERSIONS_TTL_SECONDS:
            return self._keys
        found: dict[int, pkcs11.SecretKey] = {}
        query = {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.AES}
        for obj in session.get_objects(query):
            match = self._label.match(obj[Attribute.LABEL] or "")
            if not match:
                continue
            version = int(match.group(1))
            if version in found:
                raise KeystoreError(f"two KEKs are labelled {self.label_prefix}-v{version}")
            if not obj[Attribute.SENSITIVE] or obj[Attribute.EXTRACTABLE]:
                raise KeystoreError(
                    f"KEK {self.label_prefix}-v{version} is extractable or not sensitive; "
                    "a KEK must never leave the token"
                )
            found[version] = obj
        self._keys, self._listed_at = found, time.monotonic()
        return found

    def _kek(self, session: pkcs11.Session, version: int) -> pkcs11.SecretKey:
        keys = self._list(session)
        if version not in keys:
            keys = self._list(session, force=True)
        if version not in keys:
            raise KeystoreError(
                f"KEK {self.label_prefix}-v{version} is not in token {self.token_label!r}"
            )
        return keys[version]

    def versions(self) -> list[int]:
        return self._run(lambda session: sorted(self._list(session)))

    def active_version(self) -> int:
        def newest(session: pkcs11.Session) -> int:
            keys = self._list(session)
            if not keys:
                raise KeystoreError(
                    f"token {self.token_label!r} holds no KEK labelled {self.label_prefix}-v<N>; "
                    "create one with `manage.py rotate_kek`"
                )
            return max(keys)

        return self._run(newest)

    def wrap(self, data_key: bytes, *, version: int) -> bytes:
        def wrap(session: pkcs11.Session) -> bytes:
            kek = self._kek(session, version)
            dek = session.create_object(
                {
                    Attribute.CLASS: ObjectClass.SECRET_KEY,
                    Attribute.KEY_TYPE: KeyType.AES,
                    Attribute.VALUE: data_key,
                    Attribute.TOKEN: False,
                    Attribute.EXTRACTABLE: True,
                    Attribute.SENSITIVE: False,
                }
            )
            try:
                return kek.wrap_key(dek, mechanism=_WRAP)
            finally:
                dek.destroy()

        return self._guarded(wrap, f"wrapping under KEK v{version} failed")

    def _unwrap_object(
        self, session: pkcs11.Session, wrapped: bytes, version: int, *, sensitive: bool
    ) -> pkcs11.SecretKey:
        return self._kek(session, version).unwrap_key(
            ObjectClass.SECRET_KEY,
            KeyType.AES,
            wrapped,
            mechanism=_WRAP,
            capabilities=MechanismFlag(0),
            template={
                Attribute.TOKEN: False,
                Attribute.EXTRACTABLE: True,
                Attribute.SENSITIVE: sensitive,
            },
        )

    def unwrap(self, wrapped: bytes, *, version: int) -> bytes:
        def unwrap(session: pkcs11.Session) -> bytes:
            dek = self._unwrap_object(session, wrapped, version, sensitive=False)
            try:
                return bytes(dek[Attribute.VALUE])
            finally:
                dek.destroy()

        return self._guarded(unwrap, f"the data key does not unwrap under KEK v{version}")

    def rewrap(self, wrapped: bytes, *, from_version: int, to_version: int) -> bytes:
        def rewrap(session: pkcs11.Session) -> bytes:
            # The data key stays a sensitive object inside the token the whole time.
            dek = self._unwrap_object(session, wrapped, from_version, sensitive=True)
            try:
                return self._kek(session, to_version).wrap_key(dek, mechanism=_WRAP)
            finally:
                dek.destroy()

        return self._guarded(rewrap, f"rewrapping from KEK v{from_version} failed")

    def _guarded(self, operation: Callable[[pkcs11.Session], T], failure: str) -> T:
        def run(session: pkcs11.Session) -> T:
            try:
                return operation(session)
            except (SessionHandleInvalid, SessionClosed):
                raise
            except PKCS11Error as exc:
                raise KeystoreError(f"{failure} ({type(exc).__name__})") from None

        return self._run(run)

    def create_version(self) -> int:
        def create(session: pkcs11.Session) -> int:
            version = max(self._list(session, force=True), default=0) + 1
            label = f"{self.label_prefix}-v{version}"
            session.generate_key(
                KeyType.AES,
                256,
                label=label,
                id=label.encode(),
                store=True,
                capabilities=MechanismFlag.WRAP | MechanismFlag.UNWRAP,
                template={
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.PRIVATE: True,
                    Attribute.ENCRYPT: False,
                    Attribute.DECRYPT: False,
                },
            )
            # Two operators rotating at once would create two keys with one label: _list
            # refuses that, and the operator destroys one by hand before anything used it.
            self._list(session, force=True)
            return version

        return self._guarded(create, "creating a KEK failed")

    def retire(self, version: int) -> None:
        def retire(session: pkcs11.Session) -> None:
            keys = self._list(session, force=True)
            if version == max(keys, default=0):
                raise KeystoreError(f"KEK v{version} is active and cannot be retired")
            self._kek(session, version).destroy()
            self._list(session, force=True)

        self._guarded(retire, f"retiring KEK v{version} failed")

    def key_attributes(self, version: int) -> dict[str, bool]:
        """The KEK's protection attributes, for checks and tests (never its value)."""

        def read(session: pkcs11.Session) -> dict[str, bool]:
            kek = self._kek(session, version)
            names = ("SENSITIVE", "EXTRACTABLE", "NEVER_EXTRACTABLE", "ALWAYS_SENSITIVE")
            return {name.lower(): bool(kek[Attribute[name]]) for name in names}

        return self._run(read)

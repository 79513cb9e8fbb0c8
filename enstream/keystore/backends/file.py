"""The embedded default: a local keyring file holding the KEK versions.

The file is JSON, created on first use with mode 0600, and refused when its mode is wider:

    {"format": "enstream-keyring/1", "active": 2,
     "versions": {"1": {"key": "<base64>", "created_at": "..."}, "2": {...}}}

It protects secrets at rest in the database and its backups, not against someone who can read
the application host's disk: production uses the PKCS#11 backend.
"""

import base64
import binascii
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)

from enstream.keystore.backends.base import KekBackend
from enstream.keystore.errors import KeystoreError
from enstream.keystore.localfiles import check_private, create_private, replace_private

_FORMAT = "enstream-keyring/1"
_KEK_BYTES = 32


def _new_version_entry() -> dict[str, str]:
    return {
        "key": base64.b64encode(os.urandom(_KEK_BYTES)).decode(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _encode(active: int, versions: dict[str, dict[str, str]]) -> bytes:
    return json.dumps(
        {"format": _FORMAT, "active": active, "versions": versions}, indent=1
    ).encode()


class FileKekBackend(KekBackend):
    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._active = 0
        self._keys: dict[int, bytes] = {}
        create_private(self.path, _encode(1, {"1": _new_version_entry()}))
        self._load()

    def describe(self) -> str:
        return f"file {self.path}"

    def _load(self) -> None:
        """(Re)read the keyring when it changed on disk, e.g. after rotate_kek elsewhere."""
        check_private(self.path)
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if stamp == self._stamp:
            return
        data = self._read()
        keys: dict[int, bytes] = {}
        try:
            for version, entry in data["versions"].items():
                key = base64.b64decode(entry["key"], validate=True)
                if len(key) != _KEK_BYTES:
                    raise ValueError
                keys[int(version)] = key
            active = int(data["active"])
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise KeystoreError(f"the KEK file {self.path} is malformed") from None
        if active not in keys:
            raise KeystoreError(f"the KEK file {self.path} names an active version it lacks")
        self._keys, self._active, self._stamp = keys, active, stamp

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            raise KeystoreError(f"the KEK file {self.path} cannot be read") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise KeystoreError(f"the KEK file {self.path} is not an {_FORMAT} keyring")
        return data

    def _key(self, version: int) -> bytes:
        with self._lock:
            self._load()
            try:
                return self._keys[version]
            except KeyError:
                raise KeystoreError(f"KEK version {version} is not in {self.path}") from None

    def versions(self) -> list[int]:
        with self._lock:
            self._load()
            return sorted(self._keys)

    def active_version(self) -> int:
        with self._lock:
            self._load()
            return self._active

    def wrap(self, data_key: bytes, *, version: int) -> bytes:
        return aes_key_wrap_with_padding(self._key(version), data_key)

    def unwrap(self, wrapped: bytes, *, version: int) -> bytes:
        try:
            return aes_key_unwrap_with_padding(self._key(version), wrapped)
        except (InvalidUnwrap, ValueError):
            raise KeystoreError(f"the data key does not unwrap under KEK v{version}") from None

    @contextmanager
    def _editing(self) -> Iterator[dict[str, Any]]:
        """Read, change and write the keyring under an exclusive lock across processes."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with self._lock:
                check_private(self.path)
                data = self._read()
                yield data
                replace_private(self.path, _encode(data["active"], data["versions"]))
                self._stamp = None
                self._load()
        finally:
            os.close(fd)

    def create_version(self) -> int:
        with self._editing() as data:
            version = max(int(v) for v in data["versions"]) + 1
            data["versions"][str(version)] = _new_version_entry()
            data["active"] = version
        return version

    def retire(self, version: int) -> None:
        with self._editing() as data:
            if version == int(data["active"]):
                raise KeystoreError(f"KEK v{version} is active and cannot be retired")
            if data["versions"].pop(str(version), None) is None:
                raise KeystoreError(f"KEK version {version} is not in {self.path}")

"""Small secret files of the embedded default: created once with mode 0600, refused if wider."""

import os
import stat
import tempfile
from pathlib import Path

from enstream.keystore.errors import KeystoreError


def check_private(path: Path) -> None:
    """Refuse a key file that anyone but its owner may read or write."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeystoreError(
            f"{path} has mode {mode:04o}; a key file must be readable by its owner only "
            f"(chmod 600 {path})"
        )


def create_private(path: Path, content: bytes) -> bool:
    """Write `content` to `path` with mode 0600 unless the file exists; True if written.

    The content goes to a temporary file first and is linked into place, so a process that
    starts at the same moment sees either no file or a whole one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp_name, path)
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(temp_name)


def replace_private(path: Path, content: bytes) -> None:
    """Atomically replace `path` with `content`, keeping mode 0600."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise

"""Writing files so that readers never see half a file and no id leaves its folder."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DataProductError, SpecError


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """A UTF-8 text file; ``SpecError`` naming the file (and for bad bytes, where) instead of a traceback.

    >>> read_text("missing.yaml", "spec file")
    Traceback (most recent call last):
    dp_notebook.errors.SpecError: missing.yaml: cannot read spec file: No such file or directory
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read {what}: {exc.strerror or exc}", source=str(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a file saved as cp1252/latin-1 (``Café``) is common; say which byte, where, and the fix
        before = data[: exc.start]
        line, column = before.count(b"\n") + 1, exc.start - (before.rfind(b"\n") + 1) + 1
        raise SpecError(
            f"{what} is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} cannot be decoded; save the file as UTF-8",
            source=str(path), line=line, column=column,
        ) from None


def make_dir(path: str | os.PathLike, what: str = "folder") -> Path:
    """Create the folder ``path`` (and its parents); ``DataProductError`` saying why it cannot be.

    >>> make_dir("/proc/x", "output folder")
    Traceback (most recent call last):
    dp_notebook.errors.DataProductError: cannot create the output folder /proc/x: No such file or directory
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocked = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
        why = f"{blocked} is a file, not a folder" if blocked else (exc.strerror or str(exc))
        raise DataProductError(f"cannot create the {what} {path}: {why}") from None
    return path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never half.

    ``DataProductError`` names the path when the disk refuses (read-only, full).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:60]}.", suffix=".tmp")
    except OSError as exc:
        blocked = next((p for p in (path.parent, *path.parent.parents) if p.exists() and not p.is_dir()), None)
        why = f"{blocked} is a file, not a folder" if blocked else (exc.strerror or str(exc))
        raise DataProductError(f"cannot write {path}: {why}") from None
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DataProductError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def inside(base: Path, relative: str | os.PathLike) -> Path:
    """``base / relative``, refusing any path that leaves ``base`` (``..``, absolute paths, links out)."""
    root = Path(base).resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise DataProductError(f"{str(relative)!r} would be written outside {root}")
    return target


@contextmanager
def scratch_dir(parent: Path, prefix: str) -> Iterator[Path]:
    """A temporary folder ``<parent>/<prefix>-<pid>-<random>``, removed afterwards.

    A process killed with SIGKILL cannot remove its folder; the next one removes the
    folders of processes that are gone (the pid in the name), so none piles up.
    """
    parent = Path(parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for old in parent.glob(f"{prefix}-*"):
            pid = old.name[len(prefix) + 1 :].split("-", 1)[0]
            if pid.isdigit() and not pid_alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        path = parent / f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        path.mkdir()
    except OSError as exc:
        raise DataProductError(f"cannot create a temporary folder in {parent}: {exc.strerror or exc}") from None
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Is process ``pid`` (on this host) still running?"""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""Writing files so that readers never see half a file and no id leaves its folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import DataProductError


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never half.

    ``DataProductError`` names the path when the disk refuses (read-only, full).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:60]}.", suffix=".tmp")
    except OSError as exc:
        raise DataProductError(f"cannot write {path}: {exc.strerror or exc}") from None
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

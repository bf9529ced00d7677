"""Start a real jupyter server / lab on a free loopback port for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter(app: str, root: Path, *extra: str, env: dict[str, str] | None = None, timeout: float = 90):
    """``app`` is ``jupyter_server`` or ``jupyterlab``; yields the base URL; stops the server after."""
    port = free_port()
    # env replaces the environment when given (tests drop variables that way)
    full_env = {**(os.environ if env is None else env), "JUPYTER_CONFIG_DIR": str(root / ".jcfg"), "JUPYTER_RUNTIME_DIR": str(root / ".jrt")}
    proc = subprocess.Popen(
        [sys.executable, "-m", app, "--no-browser", "--allow-root", f"--port={port}", "--ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=full_env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/api", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"{app} did not start")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

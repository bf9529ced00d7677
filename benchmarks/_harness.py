"""Shared benchmark harness: run a snippet in a fresh subprocess, report wall time and peak RSS.

Timings on shared 2-core machines are noisy: each case runs ``repeat`` times in
alternation with its alternatives and the median is kept; compare ratios.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
from datetime import date

RUNNER = textwrap.dedent(
    """
    import json, resource, sys, time
    __dp_t0 = time.perf_counter()  # a name no case uses (cases define their own t0)
    exec(compile(open(sys.argv[1]).read(), "case", "exec"))
    wall = time.perf_counter() - __dp_t0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # a case may report its own measurements (e.g. the transform alone, without start-up) in RESULT
    print(json.dumps({"wall_s": wall, "peak_rss_mb": rss_kb / 1024, **globals().get("RESULT", {})}))
    """
)


def run_case(code: str, tmpdir: str, name: str) -> dict:
    path = os.path.join(tmpdir, f"{name}.py")
    with open(path, "w") as fh:
        fh.write(textwrap.dedent(code))
    out = subprocess.run([sys.executable, "-c", RUNNER, path], capture_output=True, text=True, env={**os.environ, "TQDM_DISABLE": "1"})
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-3000:]}")
    for line in reversed(out.stdout.strip().splitlines()):  # the case may print (e.g. a progress bar)
        try:
            return json.loads(line[line.index("{"):])
        except ValueError:
            continue
    raise RuntimeError(f"{name} printed no result:\n{out.stdout[-2000:]}")


def compare(cases: dict[str, str], tmpdir: str, repeat: int = 3) -> dict[str, dict]:
    """Run every case ``repeat`` times, interleaved; the median of every number a run reports
    (wall time, peak RSS and whatever the case put in ``RESULT``)."""
    samples: dict[str, list[dict]] = {k: [] for k in cases}
    for _ in range(repeat):
        for name, code in cases.items():
            samples[name].append(run_case(code, tmpdir, name))
    out = {}
    for name, runs in samples.items():
        keys = [k for k, v in runs[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        out[name] = {k: statistics.median(r[k] for r in runs) for k in keys} | {"runs": len(runs), "samples": runs}
    return out


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, {cpu}, Python {platform.python_version()}, {date.today().isoformat()}"


def write_section(title: str, body: str, path: str = os.path.join(os.path.dirname(__file__), "RESULTS.md")) -> None:
    """Replace (or add) the ``## title`` section of RESULTS.md."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nRatios measured side by side in one run; absolute times on shared 2-core machines are noisy.\n"
    head = f"## {title}"
    parts = text.split("\n## ")
    kept = [parts[0]] + [p for p in parts[1:] if not p.startswith(title)]
    text = "\n## ".join(kept).rstrip() + f"\n\n{head}\n\n{body.strip()}\n"
    with open(path, "w") as fh:
        fh.write(text)
    print(json.dumps({"wrote": path, "section": title}))

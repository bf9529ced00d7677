"""Start-up and CI overhead: `%load_ext dp_notebook` vs `import duckdb`, `dp-notebook run` vs plain
`papermill` on a trivial notebook (side by side; the slowest run shows a kernel-shutdown stall), and the
CLI commands a pre-commit hook runs on a notebook (`lint`, `export … dps|odcs`), each in a fresh process.
Run: .venv/bin/python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from _harness import compare, machine, write_section

LOAD_EXT = """
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
import time
t = time.perf_counter()
ip.run_line_magic("load_ext", "dp_notebook")
"""
BASE_SHELL = """
from IPython.core.interactiveshell import InteractiveShell
ip = InteractiveShell.instance()
"""
IMPORT_DUCKDB = BASE_SHELL + "import duckdb\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-write", action="store_true", help="print, do not rewrite RESULTS.md")
    args = ap.parse_args()
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        shells = compare({"ipython_shell": BASE_SHELL, "shell_load_ext": LOAD_EXT, "shell_import_duckdb": IMPORT_DUCKDB}, tmp, args.repeat)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("print(x + 1)")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = os.path.join(tmp, "trivial.ipynb")
        nbformat.write(nb, path)
        bindir = os.path.dirname(sys.executable)
        runs = compare(
            {
                "papermill": f"import subprocess; subprocess.run([{os.path.join(bindir, 'papermill')!r}, {path!r}, {os.path.join(tmp, 'pm.ipynb')!r}, '--no-progress-bar', '--log-level', 'ERROR'], check=True, capture_output=True)",
                "dp_notebook_run": f"import subprocess; subprocess.run([{os.path.join(bindir, 'dp-notebook')!r}, 'run', {path!r}, '--out', {os.path.join(tmp, 'out')!r}], check=True, capture_output=True)",
            },
            tmp,
            args.repeat,
        )
        example = os.path.join(os.path.dirname(__file__), "..", "example_notebooks", "shelf_warmers.ipynb")
        cli = [os.path.join(bindir, "dp-notebook")]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "dp-notebook lint": [*cli, "lint", example],
            "dp-notebook export dps": [*cli, "export", example, "dps"],
            "dp-notebook export odcs": [*cli, "export", example, "odcs"],
        }
        clis = compare({name: f"import subprocess; subprocess.run({cmd!r}, check=True, capture_output=True)" for name, cmd in commands.items()}, tmp, args.repeat)
    base = shells["ipython_shell"]["wall_s"]
    ext = shells["shell_load_ext"]["wall_s"] - base
    duck = shells["shell_import_duckdb"]["wall_s"] - base
    ratio = runs["dp_notebook_run"]["wall_s"] / runs["papermill"]["wall_s"]
    body = "\n".join(
        [
            f"Machine: {machine()}. Median of {args.repeat} interleaved runs in fresh processes; the IPython shell's own start-up is subtracted.",
            "",
            "| | seconds | vs `import duckdb` |",
            "|---|---|---|",
            f"| `%load_ext dp_notebook` | {ext:.3f} | {ext / duck:.2f}× |",
            f"| `import duckdb` | {duck:.3f} | 1.00× |",
            "",
            "| trivial 2-cell notebook | wall s | ratio |",
            "|---|---|---|",
            f"| `papermill` | {runs['papermill']['wall_s']:.2f} | 1.00× |",
            f"| `dp-notebook run` (+ HTML export) | {runs['dp_notebook_run']['wall_s']:.2f} | {ratio:.2f}× |",
            "",
            "Every run (s), papermill / dp-notebook run: "
            + ", ".join(f"{p['wall_s']:.2f} / {d['wall_s']:.2f}" for p, d in zip(runs["papermill"]["samples"], runs["dp_notebook_run"]["samples"]))
            + f"; slowest `dp-notebook run` {max(d['wall_s'] for d in runs['dp_notebook_run']['samples']):.2f} s (a kernel-shutdown stall would add seconds).",
            "",
            "| CLI on `example_notebooks/shelf_warmers.ipynb`, fresh process | wall s | slowest s |",
            "|---|---|---|",
            *[f"| `{name}` | {c['wall_s']:.2f} | {max(x['wall_s'] for x in c['samples']):.2f} |" for name, c in clis.items()],
            "",
            "Goals: `%load_ext` under 300 ms (heavy imports are lazy: the magic imports nothing of duckdb, pandas, pydantic or sqlglot until first use); "
            "`run` ≤1.2× papermill (issue 20), never the kernel-shutdown stall; `lint` and `export` on a notebook ≤0.5 s.",
        ]
    )
    print(body)
    if not args.no_write:
        write_section("Start-up and CI runs (issue 8)", body)


if __name__ == "__main__":
    main()

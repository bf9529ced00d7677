"""The port browser widget in a real JupyterLab 4 and Notebook 7, driven by Playwright on Debian's chromium."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import dp_notebook

from .._jupyter import jupyter
from ..conftest import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"


FRONT_ENDS = {"jupyterlab": ("jupyterlab", "lab/tree"), "notebook7": ("notebook", "notebooks")}


@pytest.fixture(params=sorted(FRONT_ENDS))
def lab(tmp_path, request):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright", reason="the playwright package is not installed")
    ws = dp_notebook.Workspace(tmp_path / ".dp")
    dp = dp_notebook.load(
        "id: staff\ninfo: {title: Staff, owner: hr, description: Everyone on the payroll.}\n"
        "inputPorts: [{id: raw, name: raw, sourceSystemId: erp}]\n"
        "outputPorts:\n  - id: people_v1\n    description: People.\n    location: hr.people_v1\n    rolesAllowed: [hr]\n"
        "    schema:\n      - {name: person_id, type: integer, classification: internal, description: Key.}\n"
        "      - {name: email, type: string, pii: true, classification: restricted, description: Mail.}\n",
        workspace=ws,
    )
    dp.input("raw", pd.DataFrame({"person_id": range(30), "email": [f"p{i}@example.com" for i in range(30)]}))
    dp.transform("people_v1", "SELECT person_id, email FROM raw")
    dp.publish()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"from dp_notebook.widgets import browse\nbrowse({str(ws.catalog_dir)!r}, role='marketing')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "browse.ipynb")
    app, path = FRONT_ENDS[request.param]
    if app == "notebook":
        pytest.importorskip("notebook", reason="Notebook 7 is not installed")
    with jupyter(app, tmp_path, "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate") as base:
        yield base, path, request.param


def test_browse_search_select_preview(lab, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base, path, front_end = lab
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/{path}/browse.ipynb?reset")
        page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=60_000)
        # run the cell once the kernel answers (Notebook 7 has no status bar: retry until a prompt
        # number shows that the request did not race the kernel's start)
        prompt = page.locator(".jp-Cell .jp-InputPrompt").first
        for attempt in range(6):
            page.click(".jp-Notebook .jp-Cell .cm-content >> nth=0")
            page.keyboard.press("Control+Enter")
            try:
                expect(prompt).to_contain_text(re.compile(r"\[\d+\]"), timeout=15_000)
                break
            except AssertionError:
                if attempt == 5:
                    raise
        widget = page.locator(".dpn-browser")
        try:
            expect(widget).to_be_visible(timeout=60_000)
        except AssertionError:
            page.screenshot(path=str(tmp_path / "failure.png"))
            shutil.copyfile(tmp_path / "failure.png", f"/tmp/browse-failure-{front_end}.png")
            raise
        expect(widget.locator(".dpn-item")).to_have_count(1)
        widget.locator("input[type=search]").fill("nothing-matches-this")
        expect(widget.locator(".dpn-item")).to_have_count(0, timeout=10_000)
        widget.locator("input[type=search]").fill("payroll")
        expect(widget.locator(".dpn-item")).to_have_count(1, timeout=10_000)
        widget.locator(".dpn-item").first.click()
        expect(widget.locator("h3")).to_contain_text("people_v1", timeout=15_000)
        expect(widget.locator("table").first).to_contain_text("person_id")
        expect(widget).to_contain_text("Preview: 20 of 30 rows (masked: email)", timeout=15_000)
        expect(widget).to_contain_text("%dataproduct use staff.people_v1 --as people_v1 --role marketing")
        shots = screenshot_dir()
        name = "port-browser.png" if front_end == "jupyterlab" else f"port-browser-{front_end}.png"
        widget.screenshot(path=str(tmp_path / name))
        shutil.copyfile(tmp_path / name, shots / name)
        browser.close()

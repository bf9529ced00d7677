"""The JupyterLab extension end to end: a real `jupyter lab` on the published example products,
driven by Playwright on Debian's chromium. Side panel, MIME renderer, %%dataproduct highlighting
and the palette command that runs the product's tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .._jupyter import jupyter
from ..conftest import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def lab(examples):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright", reason="the playwright package is not installed")
    root, out, results = examples
    assert all(r.returncode == 0 for r in results.values())
    # an executed notebook, as `dp-notebook run` leaves it: its outputs carry the JSON media types
    shutil.copyfile(out / "shelf_warmers" / "shelf_warmers.ipynb", root / "executed.ipynb")
    with jupyter("jupyterlab", root, "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate") as base:
        yield base, root


@pytest.fixture
def page(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            yield page
        finally:
            page.screenshot(path="/tmp/lab-extension-last.png")  # for a failed run
            browser.close()


def open_lab(page, base: str, path: str) -> None:
    page.goto(f"{base}/lab/tree/{path}?reset")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)


def test_panel_lists_the_example_products_and_inserts_a_use_cell(lab, page):
    from playwright.sync_api import expect

    base, _ = lab
    open_lab(page, base, "executed.ipynb")
    page.click(".jp-SideBar .lm-TabBar-tab[data-id='dp-notebook-panel']")
    panel = page.locator("#dp-notebook-panel")
    expect(panel).to_contain_text("3 products in the catalog", timeout=30_000)
    expect(panel.locator(".jp-SidePanel-toolbar .jp-ToolbarButtonComponent")).to_have_count(1)  # the refresh icon
    ports = panel.locator(".dpn-port")
    keys = sorted(f"{ports.nth(i).get_attribute('data-product')}.{ports.nth(i).get_attribute('data-port')}" for i in range(ports.count()))
    assert "shelf_warmers.shelf_warmers_v1" in keys and any(k.startswith("orders.") for k in keys) and any(k.startswith("customer_360.") for k in keys)
    panel.locator("input[type=search]").fill("no-such-thing-anywhere")
    expect(ports).to_have_count(0)
    expect(panel.locator(".dpn-empty")).to_contain_text("No port matches “no-such-thing-anywhere”")
    panel.locator("input[type=search]").fill("shelf warmers")
    item = panel.locator(".dpn-port[data-port='shelf_warmers_v1']")
    expect(item).to_have_count(1)
    expect(item.locator(".dpn-badge.dpn-ok")).to_have_text(re.compile(r"tests (\d+)/\1"))  # latest published results
    item.locator("summary").click()
    expect(item.locator("table")).to_contain_text("sku")  # the port's schema
    # a refresh (it also runs every 30 s and after each publish) keeps the open port open
    panel.locator(".jp-SidePanel-toolbar .jp-ToolbarButtonComponent").click()
    expect(panel).to_contain_text("3 products in the catalog")
    expect(item.locator("table")).to_be_visible()
    panel.screenshot(path=str(screenshot_dir() / "lab-panel.png"))
    # "Open docs" opens the published product page in a JupyterLab tab, served by the server extension
    item.locator("button", has_text="Open docs").click()
    frame = page.locator(".dpn-docs-tab iframe")
    expect(frame).to_be_visible(timeout=30_000)
    assert "/dp-notebook/api/products/shelf_warmers/files/docs.html" in frame.get_attribute("src")
    expect(page.frame_locator(".dpn-docs-tab iframe").locator("body")).to_contain_text("Shelf Warmers", timeout=30_000)
    page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").first.click()
    # "Insert use cell" puts a ready cell below the active one, with a role that may read the port
    cells_before = page.locator(".jp-Notebook .jp-Cell").count()
    item.locator("button", has_text="Insert use cell").click()
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(cells_before + 1)
    expect(page.locator(".jp-Notebook .jp-Cell.jp-mod-active .cm-content")).to_contain_text("%dataproduct use shelf_warmers.shelf_warmers_v1 --as shelf_warmers_v1 --role ")


def test_renderer_shows_the_product_card_and_checks(lab, page):
    from playwright.sync_api import expect

    base, _ = lab
    open_lab(page, base, "executed.ipynb")
    # the lab renderer (not the HTML fallback) draws the JSON media type
    card = page.locator(".dpn-lab-output .dpn-lab-card", has_text="Shelf Warmers").first
    expect(card).to_be_visible(timeout=30_000)
    expect(card).to_contain_text("fulfillment.shelf_warmers_v1")
    test_cell = page.locator(".jp-Notebook .jp-Cell", has=page.locator(".cm-line", has_text="%dataproduct test"))
    checks = test_cell.locator(".dpn-lab-output .dpn-lab-card")
    checks.scroll_into_view_if_needed()
    expect(checks).to_contain_text("passed")
    expect(checks.locator("tbody tr").first).to_be_visible()
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(screenshot_dir() / "lab-product-card.png"))


def test_magic_cells_are_highlighted_as_sql_and_yaml(lab, page):
    from playwright.sync_api import expect

    base, _ = lab
    open_lab(page, base, "executed.ipynb")
    transform = page.locator(".jp-Cell", has_text="%%dataproduct transform").locator(".cm-editor")
    declare = page.locator(".jp-Cell", has_text="%%dataproduct declare").locator(".cm-editor")
    transform.scroll_into_view_if_needed()
    expect(transform).to_have_attribute("data-dp-language", "sql", timeout=30_000)
    declare.scroll_into_view_if_needed()
    expect(declare).to_have_attribute("data-dp-language", "yaml", timeout=30_000)
    # the %%dataproduct line reads as a command (options are not SQL comments)
    expect(transform.locator(".cm-line.dpn-magic-line")).to_have_count(1)
    # ordinary Python cells keep Python
    plain = page.locator(".jp-Cell", has_text="%load_ext dp_notebook").locator(".cm-editor")
    assert plain.get_attribute("data-dp-language") is None
    # and SQL keywords are really coloured as keywords, unlike plain text
    colours = transform.evaluate(
        """ed => {
            const spans = [...ed.querySelectorAll('.cm-line:not(.dpn-magic-line) span')];
            const colour = word => { const s = spans.find(s => s.textContent.trim().toUpperCase() === word); return s ? getComputedStyle(s).color : null; };
            return { select: colour('SELECT'), from: colour('FROM'), line: getComputedStyle(ed.querySelector('.cm-content')).color };
        }"""
    )
    assert colours["select"] and colours["select"] == colours["from"] and colours["select"] != colours["line"], colours


def test_palette_command_runs_the_product_tests(lab, page):
    from playwright.sync_api import expect

    base, root = lab
    open_lab(page, base, "shelf_warmers.ipynb")
    expect(page.locator(".jp-StatusBar-Widget", has_text="Idle").first).to_be_visible(timeout=90_000)
    # run the notebook so the kernel knows the product, then call the command from the palette
    page.locator(".jp-Notebook .jp-CodeCell .cm-content").first.click()
    run_all(page)
    last = page.locator(".jp-Notebook .jp-Cell").last
    expect(last.locator(".jp-InputPrompt")).to_contain_text("[", timeout=120_000)
    expect(last.locator(".jp-InputPrompt")).not_to_contain_text("*", timeout=120_000)
    cells_before = page.locator(".jp-Notebook .jp-Cell").count()
    test_cell = page.locator(".jp-Notebook .jp-Cell", has=page.locator(".cm-line", has_text="%dataproduct test")).last
    prompt_before = test_cell.locator(".jp-InputPrompt").inner_text()
    palette(page, "Run product tests")
    # the notebook's own test cell runs again, in place: no new cell each time
    expect(test_cell.locator(".jp-InputPrompt")).not_to_have_text(prompt_before, timeout=120_000)
    expect(test_cell.locator(".jp-InputPrompt")).not_to_contain_text("*", timeout=120_000)
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells_before
    expect(test_cell.locator(".dpn-lab-card", has_text="Checks on")).to_contain_text("passed", timeout=120_000)
    # publish asks first: cancel changes nothing, confirm runs %dataproduct publish
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    palette(page, "Publish product")
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Publish the data product?")
    expect(dialog).to_contain_text("Publish shelf_warmers (from shelf_warmers.ipynb) to the catalog")  # which product, which catalog
    dialog.locator("button", has_text="Cancel").click()
    expect(dialog).to_have_count(0)
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    palette(page, "Publish product")
    page.locator(".jp-Dialog button", has_text="Publish").click()
    published = page.locator(".jp-Notebook .jp-Cell", has=page.locator(".cm-line", has_text="%dataproduct publish")).last
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(cells + 1, timeout=15_000)
    expect(published.locator(".jp-OutputArea-output")).to_contain_text("shelf_warmers", timeout=120_000)


def run_all(page) -> None:
    palette(page, "Run All Cells")


def palette(page, label: str) -> None:
    page.keyboard.press("Control+Shift+C")
    box = page.locator(".lm-CommandPalette-input")
    box.wait_for(timeout=10_000)
    box.fill(label)
    page.locator(".lm-CommandPalette-item", has_text=label).first.click()

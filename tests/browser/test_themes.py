"""Every kind of dp-notebook output, in a real browser, in JupyterLab 4 light and dark, Notebook 7
and the static HTML of an executed notebook: a WCAG AA contrast check (4.5:1 for text, 3:1 for
large text) over the rendered DOM of each output, screenshots of each, and the docs link opening
in a JupyterLab tab. The showcase notebook is tests/browser/_showcase.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from .._jupyter import jupyter
from ..conftest import screenshot_dir
from . import _showcase

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
KINDS = _showcase.KINDS

# The check itself: text colour against the composited background behind it (ancestors' backgrounds
# blended down to the first opaque one); SVG text uses its fill. Returns the failures.
CONTRAST_JS = """
(roots) => {
  const parse = c => {
    if (!c) return null;
    let m = c.match(/rgba?\\(([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = c.match(/color\\(srgb ([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number); return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    return null;
  };
  const blend = (fg, bg) => [0, 1, 2].map(i => fg[i] * fg[3] + bg[i] * (1 - fg[3])).concat([1]);
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const background = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (const l of layers.reverse()) bg = blend(l, bg);
    return bg;
  };
  const out = { checked: 0, failures: [], min: 99 };
  const seen = new Set();
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      if (!el || seen.has(el) || el.closest('style, script, title, .jp-InputArea')) continue;
      seen.add(el);
      const s = getComputedStyle(el);
      if (s.visibility === 'hidden' || s.display === 'none' || !el.getClientRects().length) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const isSvg = el instanceof SVGElement;
      let fg = parse(isSvg ? s.fill : s.color);
      if (!fg) continue;
      let bg = background(el);
      fg = blend([fg[0], fg[1], fg[2], fg[3] * Number(s.opacity || 1)], bg);
      const [a, b] = [lum(fg), lum(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 600;
      const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
      out.checked++;
      out.min = Math.min(out.min, ratio);
      if (ratio < need) out.failures.push({ text: n.textContent.trim().slice(0, 40), ratio: +ratio.toFixed(2), need, fg: fg.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round), cls: String(el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className) });
    }
  }
  return out;
}
"""

# today's (round one's) card markup and stylesheet: the check must flag it in the dark theme
OLD_CARD = (
    "<div class='dpn-card'><style>.dpn-card{font-family:system-ui;font-size:13px;border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;color:#1f2328;background:#fff}"
    ".dpn-card th,.dpn-card td{border-bottom:1px solid #eaeef2;padding:3px 6px;text-align:left}.dpn-card th{background:#f6f8fa;font-weight:600}</style>"
    "<h4>input raw ← frame: 1500 rows</h4><table><thead><tr><th>column</th><th>type</th></tr></thead><tbody><tr><td>order_id</td><td>VARCHAR</td></tr><tr><td>amount</td><td>DOUBLE</td></tr></tbody></table></div>"
)


def check_contrast(page, selector: str) -> dict:
    roots = page.locator(selector)
    return roots.evaluate_all(CONTRAST_JS)


@pytest.fixture(scope="module")
def showcase(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    pytest.importorskip("playwright", reason="the playwright package is not installed")
    from nbclient import NotebookClient

    root = tmp_path_factory.mktemp("themes")
    _showcase.write(root)  # run live in JupyterLab (widgets need their kernel)
    static = root / "static"  # executed here, without a browser: for Notebook 7 and nbconvert
    static.mkdir()
    nb = nbformat.read(_showcase.write(static, "executed.ipynb"), 4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(static)}}).execute()
    nbformat.write(nb, static / "executed.ipynb")
    return root


@pytest.fixture(scope="module")
def lab(showcase):
    with jupyter("jupyterlab", showcase, "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.expose_app_in_browser=True",
                 "--JupyterNotebookApp.expose_app_in_browser=True") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def set_theme(page, theme: str) -> None:
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', { theme: t })", f"JupyterLab {theme.title()}")
    page.wait_for_selector(f"body[data-jp-theme-light='{'true' if theme == 'light' else 'false'}']", state="attached", timeout=30_000)
    page.wait_for_timeout(400)  # the theme's stylesheet swaps in


def output_of(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output")


def save(page, locator, name: str) -> None:
    locator.scroll_into_view_if_needed()
    locator.screenshot(path=str(screenshot_dir() / name))


def assert_readable(result: dict, where: str) -> None:
    assert result["checked"] > 0, f"{where}: no text was checked"
    assert not result["failures"], f"{where}: {len(result['failures'])} text(s) below WCAG AA contrast, e.g. {json.dumps(result['failures'][:6])}"


def test_lab_light_and_dark_every_output_readable(lab, browser, showcase):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{lab}/lab/tree/showcase.ipynb?reset")
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=60_000)
    expect(page.locator(".jp-StatusBar-Widget", has_text="Idle").first).to_be_visible(timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    news = page.get_by_role("button", name="No", exact=True)  # the news opt-in toast covers outputs
    try:
        news.first.click(timeout=5_000)
    except Exception:  # noqa: BLE001 - not shown in every version
        pass
    expect(page.locator(".dpn-browser")).to_be_visible(timeout=180_000)
    expect(page.locator(".dpn-results")).to_be_visible(timeout=60_000)
    expect(page.locator(".jp-OutputArea-output.jp-OutputArea-executeResult", has_text="UsageError")).to_have_count(0)
    # the lab renderer draws checks with status pills: a failed check of severity warning is amber,
    # not FAILED (needs the rows' severity/status in the checks payload, catalog.schema.json CheckRow)
    executed = nbformat.read(showcase / "static" / "executed.ipynb", 4)
    payload = executed.cells[KINDS.index("test")].outputs[0]["data"]["application/vnd.dp-notebook.checks+json"]
    if all("severity" in r or "status" in r for r in payload["results"]):
        test_out = output_of(page, KINDS.index("test"))
        expect(test_out.locator(".dpn-row-warn .dpn-badge.dpn-warn").first).to_be_visible()
        expect(test_out.locator(".dpn-badge.dpn-fail")).to_have_count(0)
    # trusted outputs draw the themed inline SVG; the image twin stays hidden
    cost = output_of(page, KINDS.index("cost")).last
    expect(cost.locator("svg.dpn-chart")).to_be_visible()
    expect(cost.locator("img.dpn-figure-img")).to_be_hidden()
    report = {}
    for theme in ("light", "dark"):
        set_theme(page, theme)
        results = check_contrast(page, ".jp-Notebook .jp-OutputArea-output")
        report[theme] = results
        assert_readable(results, f"JupyterLab {theme}")
        for i, kind in enumerate(KINDS):
            if kind:
                out = output_of(page, i).last
                expect(out).to_be_visible()
                save(page, out, f"lab-{theme}-{i:02d}-{kind}.png")
        # the side panel, native in both themes
        page.click(".jp-SideBar .lm-TabBar-tab[data-id='dp-notebook-panel']")
        panel = page.locator("#dp-notebook-panel")
        expect(panel).to_contain_text("1 product in the catalog", timeout=30_000)  # refreshed after the publish cell
        panel.locator(".dpn-port summary").first.click()
        panel_check = check_contrast(page, "#dp-notebook-panel")
        assert_readable(panel_check, f"side panel, {theme}")
        report[f"panel-{theme}"] = panel_check
        save(page, panel, f"lab-{theme}-panel.png")
        panel.locator(".dpn-port summary").first.click()
        page.click(".jp-SideBar .lm-TabBar-tab[data-id='dp-notebook-panel']")
    (screenshot_dir() / "contrast-lab.json").write_text(json.dumps({k: {"checked": v["checked"], "min_ratio": round(v["min"], 2)} for k, v in report.items()}, indent=1))

    # the docs link opens the page in a JupyterLab tab, served by the server extension (not file://)
    docs_out = output_of(page, KINDS.index("docs")).last
    docs_out.scroll_into_view_if_needed()
    docs_out.locator("a.dpn-docs-link").click()
    frame = page.locator(".dpn-docs-tab iframe")
    expect(frame).to_be_visible(timeout=30_000)
    assert "/dp-notebook/api/docs/shop_orders/index.html?theme=dark" in frame.get_attribute("src")
    inner = page.frame_locator(".dpn-docs-tab iframe")
    expect(inner.locator("h1")).to_have_text("Shop orders", timeout=30_000)
    docs_check = inner.locator("body").evaluate_all(CONTRAST_JS)
    assert_readable(docs_check, "docs page in the lab tab (dark)")
    page.locator(".dpn-docs-tab").screenshot(path=str(screenshot_dir() / "lab-dark-docs-tab.png"))
    page.close()


def test_notebook7_light_and_dark(lab, browser, showcase):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    shutil.copyfile(showcase / "static" / "executed.ipynb", showcase / "executed.ipynb")
    page.goto(f"{lab}/notebooks/executed.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    cards = page.locator(".jp-OutputArea-output .dpn")
    expect(cards.first).to_be_visible(timeout=60_000)
    # widget views need their kernel: their HTML fallback is what a reader of a saved notebook sees
    static = ".jp-Notebook .jp-OutputArea-output:not(:has(.jupyter-widgets)):not(:has(.widget-error))"
    for theme in ("light", "dark"):
        set_theme(page, theme)
        assert_readable(check_contrast(page, static), f"Notebook 7 {theme}")
        cost = output_of(page, KINDS.index("cost")).last
        # an untrusted notebook: the sanitizer drops inline SVG, the chart's image twin shows instead
        expect(cost.locator("img.dpn-figure-img")).to_be_visible()
        figure = cost.locator(".dpn-figure").first
        assert figure.locator("svg").count() == 0 and figure.evaluate("f => getComputedStyle(f).fontSize") == "0px"  # leftover labels take no space
        save(page, cost, f"notebook7-{theme}-cost.png")
    # the sanitizer dropped the link's file:// href and data attributes; its classes still lead the
    # extension to the page, opened in a browser tab (Notebook 7 has no tabs of its own)
    link = output_of(page, KINDS.index("docs")).last.locator("a.dpn-docs-link")
    assert link.get_attribute("href") is None
    with page.expect_popup() as popup:
        link.click()
    assert "/dp-notebook/api/docs/shop_orders/index.html" in popup.value.url
    page.close()


def test_static_html_light_and_dark(showcase, browser, tmp_path):
    from nbconvert import HTMLExporter

    nb = nbformat.read(showcase / "static" / "executed.ipynb", 4)
    for theme in ("light", "dark"):
        html, _ = HTMLExporter(template_name="lab", theme=theme).from_notebook_node(nb)
        path = tmp_path / f"executed-{theme}.html"
        path.write_text(html, encoding="utf-8")
        page = browser.new_page(viewport={"width": 1200, "height": 1000})
        page.goto(path.as_uri())
        page.wait_for_selector(".jp-OutputArea-output .dpn")
        result = check_contrast(page, ".jp-OutputArea-output")
        assert_readable(result, f"nbconvert HTML ({theme})")
        for kind in ("quality-trend", "cost", "results"):
            save(page, page.locator(".jp-Cell").nth(KINDS.index(kind)).locator(".jp-OutputArea-output").last, f"static-{theme}-{kind}.png")
        if theme == "dark":
            # the same check flags round one's white cards: proof that it would have caught them
            page.evaluate("html => { const d = document.createElement('div'); d.id = 'old-card'; d.className = 'jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output'; d.innerHTML = html; document.querySelector('.jp-Cell .jp-OutputArea').append(d); }", OLD_CARD)
            old = check_contrast(page, "#old-card")
            assert len(old["failures"]) >= 2, old  # white header text on the light header cells
        page.close()


def test_docs_page_follows_the_system_theme(showcase, browser):
    page_path = next((showcase / "static" / ".dp" / "docs").glob("*/index.html"))
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": 1200, "height": 1400}, color_scheme=scheme)
        page.goto(page_path.as_uri())
        assert_readable(page.locator("body").evaluate_all(CONTRAST_JS), f"docs page ({scheme})")
        page.screenshot(path=str(screenshot_dir() / f"docs-page-{scheme}.png"), full_page=False)
        page.close()

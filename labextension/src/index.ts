// The "Data Products" side panel and palette commands. The panel reads the workspace catalog
// from the dp-notebook server extension (/dp-notebook/api/...), never the DuckDB file.
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, IThemeManager, InputDialog, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { PathExt, URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { IFrame, LabIcon, SidePanel, ToolbarButton, refreshIcon } from '@jupyterlab/ui-components';
import { Panel, Widget } from '@lumino/widgets';

import type { CatalogListing, ListedProduct, OutputPortSummary, SearchResult } from './catalog';
import { IDocsTarget, docsPageUrl, docsTargetFromLink } from './docs';
import { count, relativeTime, utcText } from './format';
import highlightPlugin from './highlight';
import { el, statusBadge, table, useSnippet } from './render';

const ICON = new LabIcon({
  name: 'dp-notebook:products',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161"><path d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2zm0 2.2 6.6 3.3L12 10.8 5.4 7.5 12 4.2zM5 9.2l6 3v7.6l-6-3V9.2zm8 10.6v-7.6l6-3v7.6l-6 3z"/></g></svg>'
});

function apiUrl(...parts: string[]): string {
  const settings = ServerConnection.makeSettings();
  return URLExt.join(settings.baseUrl, 'dp-notebook', 'api', ...parts);
}

/** The keys (``product.port``) of the ports matching every word: the server's one search (catalog/search.py). */
export async function searchPorts(query: string): Promise<SearchResult> {
  const settings = ServerConnection.makeSettings();
  const url = `${apiUrl('search')}?q=${encodeURIComponent(query)}`;
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    throw new Error(`catalog search answered ${response.status}`);
  }
  return (await response.json()) as SearchResult;
}

export async function fetchProducts(): Promise<CatalogListing> {
  const settings = ServerConnection.makeSettings();
  const response = await ServerConnection.makeRequest(apiUrl('products'), {}, settings);
  if (!response.ok) {
    throw new Error(`catalog API answered ${response.status}`);
  }
  return (await response.json()) as CatalogListing;
}

/** The notebook's folder relative to the server root (where its kernel looks for .dp/). */
function notebookDir(panel: NotebookPanel | null | undefined): string {
  return panel ? PathExt.dirname(panel.context.path) : '';
}

/** Opens a docs page: in a JupyterLab tab (Notebook 7: a browser tab), served by the server extension. */
export function openDocs(app: JupyterFrontEnd, themes: IThemeManager | null, target: IDocsTarget, dir = ''): void {
  const theme = themes?.theme ? (themes.isLight(themes.theme) ? 'light' : 'dark') : '';
  const url = docsPageUrl(ServerConnection.makeSettings().baseUrl, target, dir, theme);
  if (!app.shell.add || /notebook/i.test(app.name)) {
    window.open(url, '_blank', 'noopener');
    return;
  }
  const id = `dp-notebook-docs-${target.source}-${target.product}`;
  const open = [...app.shell.widgets('main')].find(w => w.id === id) as MainAreaWidget<IFrame> | undefined;
  if (open) {
    open.content.url = url;
    app.shell.activateById(id);
    return;
  }
  const frame = new IFrame({ sandbox: ['allow-scripts'] });
  frame.url = url;
  const widget = new MainAreaWidget({ content: frame });
  widget.id = id;
  widget.title.label = `Docs: ${target.product}${target.source === 'workspace' ? ' (workspace)' : ''}`;
  widget.title.icon = ICON;
  widget.title.closable = true;
  widget.addClass('dpn-docs-tab');
  app.shell.add(widget, 'main');
  app.shell.activateById(id);
}

async function insertAndMaybeRun(tracker: INotebookTracker, code: string, run: boolean): Promise<boolean> {
  const panel = tracker.currentWidget;
  if (!panel) {
    await showDialog({ title: 'Data Products', body: 'Open a notebook first.', buttons: [Dialog.okButton()] });
    return false;
  }
  NotebookActions.insertBelow(panel.content);
  const cell = panel.content.activeCell;
  if (cell) {
    cell.model.sharedModel.setSource(code);
  }
  if (run) {
    await NotebookActions.run(panel.content, panel.sessionContext);
  }
  return true;
}

/** Re-runs the notebook's `%dataproduct test` cell in place; adds one at the end when there is none. */
async function runTests(tracker: INotebookTracker): Promise<boolean> {
  const panel = tracker.currentWidget;
  if (!panel) {
    await showDialog({ title: 'Data Products', body: 'Open a notebook first.', buttons: [Dialog.okButton()] });
    return false;
  }
  const notebook = panel.content;
  const index = notebook.widgets.findIndex(c => /^\s*%dataproduct\s+test\b/.test(c.model.sharedModel.getSource()));
  if (index < 0) {
    notebook.activeCellIndex = notebook.widgets.length - 1;
    return insertAndMaybeRun(tracker, '%dataproduct test', true);
  }
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  void notebook.scrollToItem(index);
  await NotebookActions.run(notebook, panel.sessionContext);
  return true;
}

/** The id the notebook declares (`id:` in its %%dataproduct declare cell), if it says. */
export function declaredProduct(sources: string[]): string | null {
  for (const source of sources) {
    if (/^\s*%%dataproduct\s+declare/.test(source)) {
      const m = /^\s*id:\s*["']?([A-Za-z0-9_-]+)/m.exec(source);
      if (m) {
        return m[1];
      }
    }
  }
  return null;
}

export class ProductsPanel extends SidePanel {
  private _list = el('div', 'dpn-panel-list');
  private _status = el('div', 'dpn-muted dpn-panel-status');
  private _matches: Set<string> | null = null;
  private _searchTimer = 0;
  private _search = document.createElement('input');
  private _listing: CatalogListing | null = null;
  private _timer = 0;

  constructor(
    private _tracker: INotebookTracker | null,
    private _openDocs: (target: IDocsTarget) => void
  ) {
    super({ content: new Panel() });
    this.id = 'dp-notebook-panel';
    this.addClass('dpn-panel');
    this.addClass('dpn');
    this.title.icon = ICON;
    this.title.caption = 'Data Products';
    const header = new Widget({ node: el('h2', 'jp-text-truncated', 'Data Products') });
    this.header.addWidget(header);
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({ icon: refreshIcon, onClick: () => void this.refresh(), tooltip: 'Refresh the catalog' })
    );
    this._search.type = 'search';
    this._search.className = 'jp-mod-styled dpn-input';
    this._search.placeholder = 'Search products, ports, columns';
    this._search.setAttribute('aria-label', 'Search the data products');
    this._search.addEventListener('input', () => {
      window.clearTimeout(this._searchTimer);
      this._searchTimer = window.setTimeout(() => void this.search(), 150);
    });
    const body = new Widget({ node: el('div', 'dpn-panel-body', el('div', 'jp-InputGroup dpn-panel-search', this._search), this._status, this._list) });
    this.addWidget(body);
  }

  async refresh(): Promise<void> {
    try {
      this._listing = await fetchProducts();
      const n = this._listing.products.length;
      this._status.textContent = this._listing.message || `${count(n, 'product')} in the catalog`;
      this._status.title = this._listing.catalog;
    } catch (err) {
      this._listing = null;
      this._status.textContent = `Cannot read the catalog: ${err}`;
    }
    await this.search(); // the listing changed: ask again what matches
  }

  get products(): ListedProduct[] {
    return this._listing?.products ?? [];
  }

  get catalog(): string {
    return this._listing?.catalog ?? 'the workspace catalog';
  }

  /** The product whose port is expanded in the list, if any. */
  get openProduct(): string | null {
    const open = this._list.querySelector('details[open]') as HTMLElement | null;
    return open?.dataset.product ?? null;
  }

  protected onAfterShow(): void {
    void this.refresh();
    // stays current while visible: another notebook or the CLI may publish
    window.clearInterval(this._timer);
    this._timer = window.setInterval(() => void this.refresh(), 30_000);
  }

  protected onAfterHide(): void {
    window.clearInterval(this._timer);
  }

  /** Asks the server which ports match (one search implementation, in Python), then renders. */
  async search(): Promise<void> {
    const query = this._search.value.trim();
    if (!query) {
      this._matches = null;
    } else {
      try {
        const found = await searchPorts(query);
        if (found.query !== this._search.value.trim()) {
          return; // a newer query is on its way
        }
        this._matches = new Set(found.keys);
      } catch (err) {
        this._status.textContent = `Cannot search the catalog: ${err}`;
        return;
      }
    }
    this.render();
  }

  render(): void {
    const query = this._search.value.trim();
    // a refresh (every 30 s, after a publish) must not close the port the user has open
    const open = new Set(Array.from(this._list.querySelectorAll('details[open]')).map(d => `${(d as HTMLElement).dataset.product}.${(d as HTMLElement).dataset.port}`));
    const items: HTMLElement[] = [];
    for (const p of this.products) {
      for (const port of p.outputPorts || []) {
        if (this._matches && !this._matches.has(`${p.id}.${port.id}`)) {
          continue;
        }
        const item = this.portItem(p, port);
        if (open.has(`${p.id}.${port.id}`)) {
          item.setAttribute('open', '');
        }
        items.push(item);
      }
    }
    if (!items.length && this.products.length) {
      items.push(el('div', 'dpn-empty', `No port matches “${query}”. Search looks at product and port ids, titles, descriptions, owners and column names.`));
    }
    this._list.replaceChildren(...items);
  }

  private portItem(p: ListedProduct, port: OutputPortSummary): HTMLElement {
    const details = el('details', 'dpn-port');
    details.dataset.product = p.id;
    details.dataset.port = port.id;
    const summary = el('summary', '', el('b', '', port.id), ' ', el('span', 'dpn-muted', p.id));
    if (port.containsPii) {
      summary.append(' ', el('span', 'dpn-badge dpn-pii', 'PII'));
    }
    summary.append(' ', statusBadge(p.checks || {}));
    details.append(summary, el('div', 'dpn-muted', port.description || p.description || ''));
    const roles = port.rolesAllowed || [];
    const where = el('div', 'dpn-muted', el('code', '', port.location), ` · readable by ${roles.join(', ') || 'everyone'}`);
    if (p.published_at) {
      const when = el('span', '', ` · published ${relativeTime(p.published_at)}`);
      when.title = utcText(p.published_at);
      where.append(when);
    }
    details.append(where);
    details.append(table(['column', 'type', 'class'], (port.columns || []).map(c => [c.name, c.type, c.classification || ''])));
    const use = el('button', 'jp-Button jp-mod-styled jp-mod-accept dpn-button', 'Insert use cell');
    use.title = useSnippet(p.id, port.id, roles);
    use.addEventListener('click', () => {
      if (this._tracker) {
        void insertAndMaybeRun(this._tracker, useSnippet(p.id, port.id, roles), false);
      }
    });
    const docs = el('button', 'jp-Button jp-mod-styled jp-mod-reject dpn-button', 'Open docs');
    docs.addEventListener('click', () => this._openDocs({ product: p.id, source: 'catalog', file: p.docs || 'docs.html' }));
    details.append(el('div', 'dpn-panel-actions', use, docs));
    return details;
  }
}

/** The product of the open port in the panel, the only product, or the user's pick. */
async function pickProduct(panel: ProductsPanel): Promise<string | null> {
  const ids = panel.products.map(p => p.id);
  if (panel.openProduct) {
    return panel.openProduct;
  }
  if (ids.length <= 1) {
    return ids[0] ?? null;
  }
  const answer = await InputDialog.getItem({ title: 'Open the docs of which data product?', items: ids });
  return answer.button.accept ? answer.value : null;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'dp-notebook-labextension:plugin',
  description: 'Data Products side panel and commands',
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker, IThemeManager],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, tracker: INotebookTracker | null, themes: IThemeManager | null) => {
    const docs = (target: IDocsTarget, dir = '') => openDocs(app, themes, target, dir);
    const panel = new ProductsPanel(tracker, target => docs(target));
    app.shell.add(panel, 'left', { rank: 650 });
    void panel.refresh();

    // docs links in outputs (file:// URIs browsers refuse from http://) open through the server
    document.addEventListener(
      'click',
      event => {
        const a = (event.target as Element | null)?.closest?.('a.dpn-docs-link') as HTMLAnchorElement | null;
        const target = a ? docsTargetFromLink(a) : null;
        if (!a || !target) {
          return;
        }
        event.preventDefault();
        event.stopPropagation();
        const owner = tracker?.find(w => w.node.contains(a)) ?? tracker?.currentWidget;
        docs(target, target.source === 'workspace' ? notebookDir(owner) : '');
      },
      true
    );
    // a publish from any notebook shows in the panel at once
    NotebookActions.executed.connect((_, { cell, success }) => {
      if (success && /%dataproduct\s+publish\b/.test(cell.model.sharedModel.getSource())) {
        void panel.refresh();
      }
    });

    const category = 'Data Products';
    app.commands.addCommand('dp-notebook:refresh', { label: 'Refresh the data product catalog', execute: () => panel.refresh() });
    app.commands.addCommand('dp-notebook:run-tests', {
      label: 'Run product tests',
      caption: "Runs the notebook's %dataproduct test cell (adds one at the end if there is none)",
      execute: () => (tracker ? runTests(tracker) : false)
    });
    app.commands.addCommand('dp-notebook:open-docs', {
      label: 'Open product docs',
      execute: async () => {
        const id = await pickProduct(panel);
        if (id) {
          const listed = panel.products.find(p => p.id === id);
          docs({ product: id, source: 'catalog', file: listed?.docs || 'docs.html' });
        }
      }
    });
    app.commands.addCommand('dp-notebook:publish', {
      label: 'Publish product',
      execute: async () => {
        const nb = tracker?.currentWidget;
        const product = nb ? declaredProduct(nb.content.widgets.map(c => c.model.sharedModel.getSource())) : null;
        const body = el(
          'div',
          'dpn-publish-dialog',
          el('p', '', 'Publish ', el('b', '', product ?? "this notebook's current product"), nb ? ` (from ${nb.context.path})` : '', ' to the catalog ', el('code', '', panel.catalog), '?'),
          el('p', '', 'Runs lint and all tests first; publishes the specs, contracts and a data snapshot only if they pass.')
        );
        const answer = await showDialog({
          title: 'Publish the data product?',
          body: new Widget({ node: body }),
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Publish' })]
        });
        if (answer.button.accept && tracker) {
          if (nb) {
            nb.content.activeCellIndex = nb.content.widgets.length - 1;
          }
          await insertAndMaybeRun(tracker, product ? `%dataproduct publish --product ${product}` : '%dataproduct publish', true);
          await panel.refresh();
        }
      }
    });
    if (palette) {
      for (const command of ['dp-notebook:run-tests', 'dp-notebook:open-docs', 'dp-notebook:publish', 'dp-notebook:refresh']) {
        palette.addItem({ command, category });
      }
    }
  }
};

export default [plugin, highlightPlugin];

// The "Data Products" side panel and palette commands. The panel reads the workspace catalog
// from the dp-notebook server extension (/dp-notebook/api/...), never the DuckDB file.
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, showDialog } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { LabIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import highlightPlugin from './highlight';
import { el, table } from './render';

type Json = { [key: string]: any };

const ICON = new LabIcon({
  name: 'dp-notebook:products',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161"><path d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2zm0 2.2 6.6 3.3L12 10.8 5.4 7.5 12 4.2zM5 9.2l6 3v7.6l-6-3V9.2zm8 10.6v-7.6l6-3v7.6l-6 3z"/></g></svg>'
});

export async function fetchProducts(): Promise<Json> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'dp-notebook', 'api', 'products');
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    throw new Error(`catalog API answered ${response.status}`);
  }
  return response.json();
}

function docsUrl(productId: string): string {
  const settings = ServerConnection.makeSettings();
  return URLExt.join(settings.baseUrl, 'dp-notebook', 'api', 'products', encodeURIComponent(productId), 'files', 'docs.html');
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

/** The latest published test result of a product: "tests 12/12", failed in red, or "untested". */
export function statusBadge(checks: Json): HTMLElement {
  if (!checks.total) {
    return el('span', 'dpn-badge', 'untested');
  }
  const ok = checks.result === 'passed' || checks.passed === checks.total;
  const badge = el('span', ok ? 'dpn-badge dpn-ok' : 'dpn-badge dpn-pii', `tests ${checks.passed}/${checks.total}`);
  badge.title = checks.at ? `published ${checks.at}` : '';
  return badge;
}

/** The product of the open port in the panel, the only product, or the user's pick. */
async function pickProduct(panel: ProductsPanel): Promise<string | null> {
  const ids = panel.products.map(p => p.id as string);
  if (panel.openProduct) {
    return panel.openProduct;
  }
  if (ids.length <= 1) {
    return ids[0] ?? null;
  }
  const answer = await InputDialog.getItem({ title: 'Open the docs of which data product?', items: ids });
  return answer.button.accept ? answer.value : null;
}

export class ProductsPanel extends Widget {
  private _list = el('div', 'dpn-panel-list');
  private _status = el('div', 'dpn-muted');
  private _search = document.createElement('input');
  private _products: Json[] = [];

  constructor(private _tracker: INotebookTracker | null) {
    super();
    this.id = 'dp-notebook-panel';
    this.addClass('dpn-panel');
    this.title.icon = ICON;
    this.title.caption = 'Data Products';
    this._search.type = 'search';
    this._search.placeholder = 'Search products, ports, columns';
    this._search.addEventListener('input', () => this.render());
    const refresh = el('button', 'dpn-button', 'Refresh');
    refresh.addEventListener('click', () => void this.refresh());
    this.node.append(el('h2', '', 'Data Products'), this._search, refresh, this._status, this._list);
  }

  async refresh(): Promise<void> {
    try {
      const data = await fetchProducts();
      this._products = data.products || [];
      this._status.textContent = data.message || `${this._products.length} products`;
      this._status.title = data.catalog || '';
    } catch (err) {
      this._products = [];
      this._status.textContent = `Cannot read the catalog: ${err}`;
    }
    this.render();
  }

  get products(): Json[] {
    return this._products;
  }

  /** The product whose port is expanded in the list, if any. */
  get openProduct(): string | null {
    const open = this._list.querySelector('details[open]') as HTMLElement | null;
    return open?.dataset.product ?? null;
  }

  render(): void {
    const words = this._search.value.toLowerCase().split(/\s+/).filter(w => w);
    const items: HTMLElement[] = [];
    for (const p of this._products) {
      for (const port of p.outputPorts || []) {
        const text = [p.id, p.title, p.description, p.owner, port.id, port.description, ...(port.columns || []).map((c: Json) => c.name)].join(' ').toLowerCase();
        if (!words.every(w => text.includes(w))) {
          continue;
        }
        items.push(this.portItem(p, port));
      }
    }
    this._list.replaceChildren(...items);
  }

  private portItem(p: Json, port: Json): HTMLElement {
    const details = el('details', 'dpn-port');
    details.dataset.product = p.id;
    details.dataset.port = port.id;
    const summary = el('summary', '', el('b', '', port.id), ' ', el('span', 'dpn-muted', p.id));
    if (port.containsPii) {
      summary.append(' ', el('span', 'dpn-badge dpn-pii', 'PII'));
    }
    summary.append(' ', statusBadge(p.checks || {}));
    details.append(summary, el('div', 'dpn-muted', port.description || p.description || ''));
    details.append(el('div', 'dpn-muted', `${port.location} · roles ${(port.rolesAllowed || []).join(', ') || 'everyone'}`));
    details.append(table(['column', 'type', 'class'], (port.columns || []).map((c: Json) => [c.name, c.type, c.classification || ''])));
    const use = el('button', 'dpn-button', 'Insert use cell');
    use.addEventListener('click', () => {
      if (this._tracker) {
        void insertAndMaybeRun(this._tracker, `%dataproduct use ${p.id}.${port.id} --as ${port.id}`, false);
      }
    });
    const docs = el('button', 'dpn-button', 'Open docs');
    docs.addEventListener('click', () => window.open(docsUrl(p.id), '_blank'));
    details.append(use, docs);
    return details;
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'dp-notebook-labextension:plugin',
  description: 'Data Products side panel and commands',
  autoStart: true,
  optional: [ICommandPalette, INotebookTracker],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, tracker: INotebookTracker | null) => {
    const panel = new ProductsPanel(tracker);
    app.shell.add(panel, 'left', { rank: 650 });
    void panel.refresh();
    const category = 'Data Products';
    app.commands.addCommand('dp-notebook:refresh', { label: 'Refresh the data product catalog', execute: () => panel.refresh() });
    app.commands.addCommand('dp-notebook:run-tests', {
      label: 'Run product tests',
      execute: () => (tracker ? insertAndMaybeRun(tracker, '%dataproduct test', true) : false)
    });
    app.commands.addCommand('dp-notebook:open-docs', {
      label: 'Open product docs',
      execute: async () => {
        const id = await pickProduct(panel);
        if (id) {
          window.open(docsUrl(id), '_blank');
        }
      }
    });
    app.commands.addCommand('dp-notebook:publish', {
      label: 'Publish product',
      execute: async () => {
        const answer = await showDialog({
          title: 'Publish the data product?',
          body: 'Runs lint and all tests, then publishes the specs, contracts and data snapshot to the catalog.',
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Publish' })]
        });
        if (answer.button.accept && tracker) {
          await insertAndMaybeRun(tracker, '%dataproduct publish', true);
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

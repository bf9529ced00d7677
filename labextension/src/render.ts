// DOM for dp-notebook's JSON outputs and the side panel, without JupyterLab imports (unit-tested
// in jsdom). All catalog text goes through text nodes, never innerHTML.

export const PRODUCT_MIME = 'application/vnd.dp-notebook.product+json';
export const CHECKS_MIME = 'application/vnd.dp-notebook.checks+json';

type Json = { [key: string]: any };

export function el(tag: string, cls = '', ...children: (Node | string | number | null | undefined)[]): HTMLElement {
  const node = document.createElement(tag);
  if (cls) {
    node.className = cls;
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child === null || child === undefined ? '' : String(child)));
  }
  return node;
}

export function table(headers: string[], rows: (string | number | null | undefined)[][]): HTMLElement {
  const head = el('tr', '', ...headers.map(h => el('th', '', h)));
  const body = rows.map(r => el('tr', '', ...r.map(c => el('td', '', c))));
  return el('table', 'dpn-table', el('thead', '', head), el('tbody', '', ...body));
}

export function renderProduct(product: Json): HTMLElement {
  const card = el('div', 'dpn-lab-card');
  card.append(el('h3', '', product.title || product.id, ' ', el('code', '', product.id)));
  card.append(el('div', 'dpn-muted', `owner ${product.owner || '-'}` + (product.domain ? ` · domain ${product.domain}` : '')));
  if (product.description) {
    card.append(el('p', '', product.description));
  }
  for (const port of product.outputPorts || []) {
    const head = el('h4', '', 'Output port ', el('code', '', port.id), ' ', el('span', 'dpn-badge', `v${port.version}`));
    if (port.containsPii) {
      head.append(el('span', 'dpn-badge dpn-pii', 'PII'));
    }
    card.append(head, el('div', 'dpn-muted', `SELECT * FROM ${port.location}`));
    const cols = (port.columns || []).map((c: Json) => [c.name, c.type, c.classification || '', c.pii ? 'PII' : '', c.description || '']);
    if (cols.length) {
      card.append(table(['column', 'type', 'classification', 'PII', 'description'], cols));
    }
  }
  return card;
}

export function renderChecks(data: Json): HTMLElement {
  const results: Json[] = data.results || [];
  const failed = results.filter(r => !r.success).length;
  const card = el('div', 'dpn-lab-card');
  if (!results.length) {
    card.append(el('div', 'dpn-muted', data.note || `No checks ran on ${data.target || 'the product'}.`));
    return card;
  }
  card.append(el('h4', '', `Checks on ${data.target || ''} `, el('span', failed ? 'dpn-badge dpn-pii' : 'dpn-badge dpn-ok', failed ? `${failed} failed` : 'passed')));
  const rows = results.map(r => [r.success ? 'ok' : 'FAIL', r.kind, r.target, r.name, r.unexpected_count ?? '', r.unexpected_percent === null || r.unexpected_percent === undefined ? '' : `${Number(r.unexpected_percent).toFixed(2)}%`, r.message || '']);
  card.append(table(['', 'kind', 'target', 'check', 'unexpected', '%', 'details'], rows));
  return card;
}

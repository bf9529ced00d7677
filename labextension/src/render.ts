// DOM for dp-notebook's JSON outputs and the side panel, without JupyterLab imports (unit-tested
// in jsdom). All catalog text goes through text nodes, never innerHTML. The classes are those of
// dp_notebook/render/static/dpn.css, the stylesheet the Python outputs carry too.
import type { CheckRow, CheckStatus, ChecksPayload, ProductSummary } from './catalog';
import { count, relativeTime, utcText } from './format';

export const PRODUCT_MIME = 'application/vnd.dp-notebook.product+json';
export const CHECKS_MIME = 'application/vnd.dp-notebook.checks+json';

type Child = Node | string | number | null | undefined;
type Status = 'passed' | 'warning' | 'failed';

export function el(tag: string, cls = '', ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  if (cls) {
    node.className = cls;
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child === null || child === undefined ? '' : String(child)));
  }
  return node;
}

/** A table that scrolls sideways; long values end in an ellipsis with the full value on hover.
 *  ``wrap``: columns of prose that may wrap. */
export function table(headers: string[], rows: Child[][], wrap: number[] = []): HTMLElement {
  const head = el('tr', '', ...headers.map((h, i) => el('th', wrap.includes(i) ? 'dpn-wrap' : '', h)));
  const body = rows.map(r =>
    el(
      'tr',
      '',
      ...r.map((c, i) => {
        const td = el('td', wrap.includes(i) ? 'dpn-wrap' : typeof c === 'number' ? 'dpn-num' : '', c);
        const text = td.textContent || '';
        if (text.length > 20 && !wrap.includes(i)) {
          td.title = text;
        }
        return td;
      })
    )
  );
  return el('div', 'dpn-scroll', el('table', 'dpn-table', el('thead', '', head), el('tbody', '', ...body)));
}

/** ``passed`` / ``warning`` / ``failed``: the row's status, else derived (a failed check of
 *  severity warning or info is a warning). */
export function checkStatus(row: Partial<CheckRow>): Status {
  if (row.status === 'passed' || row.status === 'warning' || row.status === 'failed') {
    return row.status;
  }
  if (row.success) {
    return 'passed';
  }
  return (row.severity ?? 'error') === 'error' ? 'failed' : 'warning';
}

const PILL: { [s in Status]: [string, string] } = { passed: ['dpn-ok', 'passed'], warning: ['dpn-warn', 'warning'], failed: ['dpn-fail', 'FAILED'] };

export function statusPill(status: Status, text?: string): HTMLElement {
  return el('span', `dpn-badge ${PILL[status][0]}`, text ?? PILL[status][1]);
}

export function renderProduct(product: ProductSummary): HTMLElement {
  const card = el('div', 'dpn dpn-card dpn-lab-card');
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
    if (port.rolesAllowed && port.rolesAllowed.length) {
      head.append(el('span', 'dpn-badge dpn-warn', `roles: ${port.rolesAllowed.join(', ')}`));
    }
    card.append(head, el('div', 'dpn-muted', 'query: ', el('code', '', `SELECT * FROM ${port.location}`)));
    const cols = (port.columns || []).map(c => [c.name, c.type, c.classification || '', c.pii ? 'PII' : '', c.description || '']);
    if (cols.length) {
      card.append(table(['column', 'type', 'classification', 'PII', 'description'], cols, [4]));
    }
  }
  return card;
}

export function renderChecks(data: ChecksPayload): HTMLElement {
  const results: CheckRow[] = data.results || [];
  const card = el('div', 'dpn dpn-card dpn-lab-card');
  if (!results.length) {
    card.append(el('div', 'dpn-muted', data.note || `No checks ran on ${data.target || 'the product'}.`));
    return card;
  }
  const order: { [s in Status]: number } = { failed: 0, warning: 1, passed: 2 };
  const rows = [...results].sort((a, b) => order[checkStatus(a)] - order[checkStatus(b)]);
  const n = { passed: 0, warning: 0, failed: 0 };
  rows.forEach(r => n[checkStatus(r)]++);
  const head = el('h4', '', 'Checks on ', el('code', '', data.target || ''), ' ');
  if (!n.failed && !n.warning) {
    head.append(statusPill('passed', rows.length > 1 ? `all ${rows.length} passed` : 'passed'));
  } else {
    if (n.failed) {
      head.append(statusPill('failed', `${n.failed} failing`));
    }
    if (n.warning) {
      head.append(statusPill('warning', count(n.warning, 'warning')));
    }
    head.append(el('span', 'dpn-badge', `${n.passed} passed`));
  }
  card.append(head);
  const body = rows.map(r => {
    const pct = r.unexpected_percent === null || r.unexpected_percent === undefined ? '' : ` (${+Number(r.unexpected_percent).toPrecision(3)}%)`;
    const unexpected = r.unexpected_count === null || r.unexpected_count === undefined ? '' : count(r.unexpected_count) + pct;
    return [statusPill(checkStatus(r)), r.kind, el('code', '', r.target), r.name, unexpected, r.message || ''];
  });
  const t = table(['status', 'kind', 'target', 'check', 'unexpected', 'details'], body, [5]);
  t.querySelectorAll('tbody tr').forEach((tr, i) => {
    const s = checkStatus(rows[i]);
    if (s !== 'passed') {
      tr.classList.add(s === 'failed' ? 'dpn-row-fail' : 'dpn-row-warn');
    }
  });
  card.append(t);
  return card;
}

/** The latest published test result of a product: "tests 12/12", warnings amber, failures red. */
export function statusBadge(checks: CheckStatus): HTMLElement {
  if (!checks.total) {
    return el('span', 'dpn-badge', 'untested');
  }
  const result: Status = checks.result ?? (checks.passed === checks.total ? 'passed' : 'failed');
  const badge = statusPill(result, `tests ${checks.passed}/${checks.total}`);
  badge.title = checks.at ? `${result}, published ${relativeTime(checks.at)} (${utcText(checks.at)})` : result;
  return badge;
}

/** The ``%dataproduct use`` cell for a port: with ``--role`` when the port restricts readers. */
export function useSnippet(product: string, port: string, rolesAllowed: string[] = []): string {
  const line = `%dataproduct use ${product}.${port} --as ${port}`;
  if (!rolesAllowed.length) {
    return line;
  }
  const note = rolesAllowed.length > 1 ? `# readable by roles: ${rolesAllowed.join(', ')} (use yours)\n` : '';
  return `${note}${line} --role ${rolesAllowed[0]}`;
}

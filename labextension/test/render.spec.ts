import type { CheckRow, ProductSummary } from '../src/catalog';
import { docsPageUrl, docsTargetFromLink } from '../src/docs';
import { count, percent, relativeTime, utcText } from '../src/format';
import { CHECKS_MIME, PRODUCT_MIME, checkStatus, renderChecks, renderProduct, statusBadge, useSnippet } from '../src/render';

const product: ProductSummary = {
  version: 1,
  id: 'staff',
  title: 'Staff',
  owner: 'hr',
  domain: 'people',
  description: 'Everyone on the payroll.',
  outputPorts: [
    {
      id: 'people_v1',
      name: 'people_v1',
      version: '1.0.0',
      location: 'hr.people_v1',
      containsPii: true,
      rolesAllowed: ['hr'],
      contractId: 'staff-people_v1',
      columns: [
        { name: 'person_id', type: 'integer', classification: 'internal', description: 'Key.' },
        { name: 'email', type: 'string', classification: 'restricted', pii: true, description: 'Mail.' }
      ]
    }
  ]
};

function row(over: Partial<CheckRow>): CheckRow {
  return { name: 'c', target: 't', kind: 'expectation', success: true, severity: 'error', status: 'passed', ...over };
}

const cellsOf = (card: HTMLElement) => [...card.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(td => td.textContent));

describe('renderProduct', () => {
  it('shows title, owner, ports, roles and each column with its PII flag', () => {
    const card = renderProduct(product);
    expect(card.classList.contains('dpn')).toBe(true); // themed by the shared stylesheet
    expect(card.querySelector('h3')?.textContent).toBe('Staff staff');
    expect(card.textContent).toContain('owner hr · domain people');
    expect(card.textContent).toContain('SELECT * FROM hr.people_v1');
    expect(card.querySelector('.dpn-pii')?.textContent).toBe('PII');
    expect(card.textContent).toContain('roles: hr');
    expect(cellsOf(card)).toEqual([
      ['person_id', 'integer', 'internal', '', 'Key.'],
      ['email', 'string', 'restricted', 'PII', 'Mail.']
    ]);
  });

  it('never interprets catalog text as HTML', () => {
    const card = renderProduct({ version: 1, id: 'x', title: '<img src=x onerror=alert(1)>', description: '<script>bad()</script>', outputPorts: [] });
    expect(card.querySelector('img')).toBeNull();
    expect(card.querySelector('script')).toBeNull();
    expect(card.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('copes with a product without ports or owner', () => {
    const card = renderProduct({ version: 1, id: 'bare', title: '', outputPorts: [] });
    expect(card.querySelector('h3')?.textContent).toBe('bare bare');
    expect(card.textContent).toContain('owner -');
    expect(card.querySelector('table')).toBeNull();
  });

  it('cuts long values with an ellipsis and keeps the full value on hover', () => {
    const hash = 'a'.repeat(64);
    const card = renderProduct({ ...product, outputPorts: [{ ...product.outputPorts[0], columns: [{ name: hash, type: 'varchar' }] }] });
    const td = card.querySelector('tbody td') as HTMLElement;
    expect(td.title).toBe(hash);
    expect(card.querySelector('.dpn-scroll > table.dpn-table')).not.toBeNull(); // scrolls sideways
  });
});

describe('check status', () => {
  it('uses the row status, else derives it: a failed warning-severity check is a warning', () => {
    expect(checkStatus({ status: 'warning', success: false })).toBe('warning');
    expect(checkStatus({ success: true, severity: 'error' })).toBe('passed');
    expect(checkStatus({ success: false, severity: 'error' })).toBe('failed');
    expect(checkStatus({ success: false, severity: 'warning' })).toBe('warning');
    expect(checkStatus({ success: false, severity: 'info' })).toBe('warning');
    expect(checkStatus({ success: false })).toBe('failed');
  });
});

describe('renderChecks', () => {
  it('counts failures and warnings, lists failures first and marks their rows', () => {
    const card = renderChecks({
      version: 1,
      success: false,
      target: 'orders',
      results: [
        row({ kind: 'expectation', target: 'orders_v1', name: 'not null(id)', unexpected_count: 0, unexpected_percent: 0, message: '' }),
        row({ kind: 'quality', target: 'orders_v1', name: 'freshness', success: false, severity: 'warning', status: 'warning', message: 'stale' }),
        row({ kind: 'unit', target: 'orders_v1', name: 'refunds', success: false, status: 'failed', unexpected_count: 2000, unexpected_percent: 12.5, message: '2 rows differ' })
      ]
    });
    expect(card.querySelector('h4')?.textContent).toBe('Checks on orders 1 failing1 warning1 passed');
    const cells = cellsOf(card);
    expect(cells[0]).toEqual(['FAILED', 'unit', 'orders_v1', 'refunds', '2,000 (12.5%)', '2 rows differ']);
    expect(cells[1][0]).toBe('warning');
    expect(cells[2][4]).toBe('0 (0%)');
    const trs = card.querySelectorAll('tbody tr');
    expect(trs[0].classList.contains('dpn-row-fail')).toBe(true);
    expect(trs[1].classList.contains('dpn-row-warn')).toBe(true);
    expect(trs[1].querySelector('.dpn-badge.dpn-warn')).not.toBeNull();
  });

  it('says so when nothing ran, instead of an empty table', () => {
    const card = renderChecks({ version: 1, success: true, target: 'orders_v1', results: [], note: '2 expectations declared on orders_v1' });
    expect(card.textContent).toBe('2 expectations declared on orders_v1');
    expect(card.querySelector('table')).toBeNull();
  });

  it('passes when all checks pass', () => {
    const card = renderChecks({ version: 1, success: true, target: 't', results: [row({ kind: 'contract', name: 'contract', message: 'ok' })] });
    expect(card.querySelector('.dpn-ok')?.textContent).toBe('passed');
  });
});

describe('panel pieces', () => {
  it('shows published test results with warnings in amber', () => {
    expect(statusBadge({}).textContent).toBe('untested');
    const warn = statusBadge({ result: 'warning', passed: 11, total: 12, warnings: 1, at: '2026-11-30T02:40:13Z' });
    expect(warn.className).toContain('dpn-warn');
    expect(warn.textContent).toBe('tests 11/12');
    expect(warn.title).toContain('2026-11-30 02:40:13 UTC');
    expect(statusBadge({ result: 'failed', passed: 1, total: 2 }).className).toContain('dpn-fail');
  });

  it('writes use cells that pass the role check of restricted ports', () => {
    expect(useSnippet('p', 'x_v1')).toBe('%dataproduct use p.x_v1 --as x_v1');
    expect(useSnippet('p', 'x_v1', ['hr'])).toBe('%dataproduct use p.x_v1 --as x_v1 --role hr');
    expect(useSnippet('p', 'x_v1', ['hr', 'fin'])).toBe('# readable by roles: hr, fin (use yours)\n%dataproduct use p.x_v1 --as x_v1 --role hr');
  });
});

describe('docs links', () => {
  const link = (href: string, data: { [k: string]: string } = {}) => {
    const a = document.createElement('a');
    a.href = href;
    Object.assign(a.dataset, data);
    return a;
  };

  it('reads the target from data attributes, else from the file:// path', () => {
    expect(docsTargetFromLink(link('file:///w/.dp/docs/shop/index.html', { dpnProduct: 'shop', dpnSource: 'workspace', dpnFile: 'index.html' }))).toEqual({ product: 'shop', source: 'workspace', file: 'index.html' });
    expect(docsTargetFromLink(link('file:///w/.dp/docs/shop/index.html'))).toEqual({ product: 'shop', source: 'workspace', file: 'index.html' });
    expect(docsTargetFromLink(link('file:///w/.dp/catalog/shop/versions/3/docs.html'))).toEqual({ product: 'shop', source: 'catalog', file: 'docs.html' });
    expect(docsTargetFromLink(link('https://example.org/x'))).toBeNull();
    // an untrusted output: the sanitizer kept neither data-* nor the file:// href, only the classes
    const sanitized = document.createElement('a');
    sanitized.className = 'dpn-docs-link dpn-docs-product--shop dpn-docs-source--workspace';
    expect(docsTargetFromLink(sanitized)).toEqual({ product: 'shop', source: 'workspace', file: 'index.html' });
    expect(docsTargetFromLink(link('file:///x', { dpnProduct: '../etc', dpnSource: 'workspace' }))).toBeNull();
  });

  it('builds the server extension URL, keeping the notebook folder in the path', () => {
    expect(docsPageUrl('/lab-base/', { product: 'shop', source: 'catalog', file: 'docs.html' })).toBe('/lab-base/dp-notebook/api/products/shop/files/docs.html');
    expect(docsPageUrl('/', { product: 'shop', source: 'workspace', file: 'index.html' }, 'teams/sales', 'dark')).toBe('/dp-notebook/api/docs-in/teams%2Fsales/shop/index.html?theme=dark');
    expect(docsPageUrl('/', { product: 'shop', source: 'workspace', file: 'index.html' })).toBe('/dp-notebook/api/docs/shop/index.html');
  });
});

describe('format', () => {
  it('writes counts, percents and times as people read them', () => {
    expect(count(50000000, 'row')).toBe('50,000,000 rows');
    expect(count(1, 'product')).toBe('1 product');
    expect(percent(0.004)).toBe('< 0.01%');
    expect(percent(12.5)).toBe('12.5%');
    const now = new Date('2026-11-30T03:00:00Z');
    expect(relativeTime('2026-11-30T02:57:00Z', now)).toBe('3 min ago');
    expect(relativeTime('2026-11-29T01:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-11-20T03:00:00Z', now)).toBe('10 days ago');
    expect(utcText('2026-11-30T02:40:13.744909+00:00')).toBe('2026-11-30 02:40:13 UTC');
  });
});

it('claims exactly the two media types the Python side emits for it', () => {
  expect([PRODUCT_MIME, CHECKS_MIME]).toEqual(['application/vnd.dp-notebook.product+json', 'application/vnd.dp-notebook.checks+json']);
});

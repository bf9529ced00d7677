import { CHECKS_MIME, PRODUCT_MIME, renderChecks, renderProduct } from '../src/render';

describe('renderProduct', () => {
  const product = {
    id: 'staff',
    title: 'Staff',
    owner: 'hr',
    domain: 'people',
    description: 'Everyone on the payroll.',
    outputPorts: [
      {
        id: 'people_v1',
        version: '1.0.0',
        location: 'hr.people_v1',
        containsPii: true,
        columns: [
          { name: 'person_id', type: 'integer', classification: 'internal', description: 'Key.' },
          { name: 'email', type: 'string', classification: 'restricted', pii: true, description: 'Mail.' }
        ]
      }
    ]
  };

  it('shows title, owner, ports and each column with its PII flag', () => {
    const card = renderProduct(product);
    expect(card.querySelector('h3')?.textContent).toBe('Staff staff');
    expect(card.textContent).toContain('owner hr · domain people');
    expect(card.textContent).toContain('SELECT * FROM hr.people_v1');
    expect(card.querySelector('.dpn-pii')?.textContent).toBe('PII');
    const rows = [...card.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(td => td.textContent));
    expect(rows).toEqual([
      ['person_id', 'integer', 'internal', '', 'Key.'],
      ['email', 'string', 'restricted', 'PII', 'Mail.']
    ]);
  });

  it('never interprets catalog text as HTML', () => {
    const card = renderProduct({ id: 'x', title: '<img src=x onerror=alert(1)>', description: '<script>bad()</script>' });
    expect(card.querySelector('img')).toBeNull();
    expect(card.querySelector('script')).toBeNull();
    expect(card.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('copes with a product without ports or owner', () => {
    const card = renderProduct({ id: 'bare' });
    expect(card.querySelector('h3')?.textContent).toBe('bare bare');
    expect(card.textContent).toContain('owner -');
    expect(card.querySelector('table')).toBeNull();
  });
});

describe('renderChecks', () => {
  it('counts failures and lists every check', () => {
    const card = renderChecks({
      target: 'orders',
      results: [
        { success: true, kind: 'expectation', target: 'orders_v1', name: 'not null(id)', unexpected_count: 0, unexpected_percent: 0, message: '' },
        { success: false, kind: 'unit', target: 'orders_v1', name: 'refunds', unexpected_count: 2, unexpected_percent: 12.5, message: '2 rows differ' }
      ]
    });
    expect(card.querySelector('h4')?.textContent).toBe('Checks on orders 1 failed');
    const cells = [...card.querySelectorAll('tbody tr')].map(r => [...r.querySelectorAll('td')].map(td => td.textContent));
    expect(cells[1]).toEqual(['FAIL', 'unit', 'orders_v1', 'refunds', '2', '12.50%', '2 rows differ']);
    expect(cells[0][5]).toBe('0.00%');
  });

  it('says so when nothing ran, instead of an empty table', () => {
    const card = renderChecks({ target: 'orders_v1', results: [], note: '2 expectations declared on orders_v1' });
    expect(card.textContent).toBe('2 expectations declared on orders_v1');
    expect(card.querySelector('table')).toBeNull();
  });

  it('passes when all checks pass', () => {
    const card = renderChecks({ target: 't', results: [{ success: true, kind: 'contract', target: 't', name: 'contract', message: 'ok' }] });
    expect(card.querySelector('.dpn-ok')?.textContent).toBe('passed');
  });
});

it('claims exactly the two media types the Python side emits for it', () => {
  expect([PRODUCT_MIME, CHECKS_MIME]).toEqual(['application/vnd.dp-notebook.product+json', 'application/vnd.dp-notebook.checks+json']);
});

import { cellLanguage } from '../src/language';

describe('cellLanguage', () => {
  it.each([
    ['%%dataproduct transform orders_v1\nSELECT 1', 'sql'],
    ['%%dataproduct sql\nSELECT 1', 'sql'],
    ['%%dataproduct declare\nid: x', 'yaml'],
    ['%%dataproduct expect orders_v1\n- expect_column_values_to_not_be_null: {column: id}', 'yaml'],
    ['%%dataproduct unittest orders_v1\n- name: t', 'yaml'],
    ['  %%dataproduct   transform t', 'sql'],
    ['%%dataproduct declare', 'yaml']
  ])('%j is %s', (source, language) => {
    expect(cellLanguage(source)).toBe(language);
  });

  it.each([
    'import pandas as pd',
    '%dataproduct test',
    '%%dataproduct test',
    '%%dataproductx transform t\nSELECT 1',
    '%%sql\nSELECT 1',
    '# %%dataproduct transform t',
    'x = 1\n%%dataproduct transform t',
    ''
  ])('%j keeps the notebook language', source => {
    expect(cellLanguage(source)).toBeNull();
  });
});

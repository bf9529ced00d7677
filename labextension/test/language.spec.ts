import { cellLanguage, magicLineRanges, paramRanges } from '../src/language';

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

describe('magic line and parameters', () => {
  it('marks the %%dataproduct line and its options, not as SQL comments', () => {
    const line = '%%dataproduct transform orders_v1 --product shop --param day=1';
    const ranges = magicLineRanges(line);
    expect(ranges[0]).toEqual({ from: 0, to: line.length, kind: 'magic' });
    expect(ranges.slice(1).map(r => line.slice(r.from, r.to))).toEqual(['--product shop', '--param day=1']);
    expect(magicLineRanges('SELECT 1 -- comment')).toEqual([]);
  });

  it('finds {{param}} placeholders', () => {
    const text = 'WHERE day = {{ day }} AND shop = {{shop}}';
    expect(paramRanges(text).map(r => text.slice(r.from, r.to))).toEqual(['{{ day }}', '{{shop}}']);
  });
});

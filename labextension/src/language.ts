// Which language the body of a %%dataproduct cell is in (no editor imports: unit-tested alone).

// subcommand -> language name in JupyterLab's language registry
export const CELL_LANGUAGES: { [subcommand: string]: string } = {
  transform: 'sql',
  sql: 'sql',
  declare: 'yaml',
  expect: 'yaml',
  unittest: 'yaml'
};

const MAGIC = /^\s*%%dataproduct\s+([A-Za-z_]+)/;

/** The language of a cell's body from its first line, or null for a normal cell. */
export function cellLanguage(source: string): string | null {
  const newline = source.indexOf('\n');
  const first = newline < 0 ? source : source.slice(0, newline);
  const match = MAGIC.exec(first);
  return match ? CELL_LANGUAGES[match[1]] ?? null : null;
}

export interface IRange {
  from: number;
  to: number;
  kind: 'magic' | 'option' | 'param';
}

const OPTION = /(^|\s)(--?[A-Za-z][\w-]*)(?:[ =]((?!--)[^\s]+))?/g;
const PARAM = /\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}/g;

/** Ranges of the `%%dataproduct` line (the magic, its options and their values) so the editor can
 *  show them as a command, not as SQL (where `--product x` would read as a comment). */
export function magicLineRanges(line: string): IRange[] {
  const m = MAGIC.exec(line);
  if (!m) {
    return [];
  }
  const out: IRange[] = [{ from: 0, to: line.length, kind: 'magic' }];
  for (const o of line.matchAll(OPTION)) {
    const start = (o.index ?? 0) + o[1].length;
    out.push({ from: start, to: start + o[2].length + (o[3] ? 1 + o[3].length : 0), kind: 'option' });
  }
  return out;
}

/** Ranges of `{{name}}` parameters (bound, never pasted into the SQL). */
export function paramRanges(text: string): IRange[] {
  return [...text.matchAll(PARAM)].map(m => ({ from: m.index ?? 0, to: (m.index ?? 0) + m[0].length, kind: 'param' as const }));
}

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

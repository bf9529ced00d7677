// Where a docs link in an output leads inside JupyterLab. Outputs link to docs pages with file://
// URIs (right in VS Code and local browsers; refused by browsers from an http:// page) and mark
// them `dpn-docs-link`; the extension opens the same page through the server extension instead.
// No JupyterLab imports: unit-tested alone.

export interface IDocsTarget {
  product: string;
  /** "workspace": written by %dataproduct docs; "catalog": the published page */
  source: 'workspace' | 'catalog';
  file: string;
}

const ID = /^[A-Za-z0-9_-]+$/;

/** The docs page an anchor points to: from its data-dpn-* attributes, else from its file:// href
 *  (sanitized outputs of untrusted notebooks lose data attributes). */
export function docsTargetFromLink(a: HTMLAnchorElement): IDocsTarget | null {
  const product = a.dataset.dpnProduct;
  const source = a.dataset.dpnSource;
  if (product && ID.test(product) && (source === 'workspace' || source === 'catalog')) {
    return { product, source, file: a.dataset.dpnFile || (source === 'catalog' ? 'docs.html' : 'index.html') };
  }
  const href = a.getAttribute('href') || '';
  if (!href.startsWith('file:')) {
    // sanitized (untrusted) outputs keep only the classes: dpn-docs-product--<id> dpn-docs-source--<source>
    const byClass = (prefix: string) => [...a.classList].find(c => c.startsWith(prefix))?.slice(prefix.length);
    const id = byClass('dpn-docs-product--');
    const from = byClass('dpn-docs-source--');
    if (id && ID.test(id) && (from === 'workspace' || from === 'catalog')) {
      return { product: id, source: from, file: from === 'catalog' ? 'docs.html' : 'index.html' };
    }
    return null;
  }
  const parts = decodeURIComponent(href.replace(/^file:\/\//, '')).split('/');
  const file = parts[parts.length - 1];
  // <catalog>/<product>/versions/<n>/docs.html
  if (parts.length >= 4 && parts[parts.length - 3] === 'versions' && ID.test(parts[parts.length - 4])) {
    return { product: parts[parts.length - 4], source: 'catalog', file };
  }
  // <workspace>/docs/<product>/index.html
  const dir = parts[parts.length - 2];
  if (dir && ID.test(dir)) {
    return { product: dir, source: 'workspace', file };
  }
  return null;
}

/** The server extension's URL of a docs page (``notebookDir``: the folder of the notebook whose
 *  kernel wrote it, relative to the server root; ``theme``: JupyterLab's, for the page). */
export function docsPageUrl(baseUrl: string, target: IDocsTarget, notebookDir = '', theme: 'light' | 'dark' | '' = ''): string {
  const api = baseUrl.replace(/\/$/, '') + '/dp-notebook/api';
  const file = target.file.split('/').map(encodeURIComponent).join('/');
  const query = theme ? `?theme=${theme}` : '';
  const id = encodeURIComponent(target.product);
  if (target.source === 'catalog') {
    return `${api}/products/${id}/files/${file}${query}`;
  }
  const where = notebookDir ? `docs-in/${encodeURIComponent(notebookDir)}` : 'docs';
  return `${api}/${where}/${id}/${file}${query}`;
}

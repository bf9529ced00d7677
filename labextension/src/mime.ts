// Renders dp-notebook's JSON outputs (product cards, check results) natively in JupyterLab,
// ranked above the HTML fallback.
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import type { ChecksPayload, ProductPayload } from './catalog';
import { CHECKS_MIME, PRODUCT_MIME, renderChecks, renderProduct } from './render';

class DataProductRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private _mime: string) {
    super();
    this.addClass('dpn-lab-output');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = model.data[this._mime] as unknown;
    this.node.replaceChildren(
      this._mime === PRODUCT_MIME ? renderProduct((data as ProductPayload).product) : renderChecks(data as ChecksPayload)
    );
    return Promise.resolve();
  }
}

const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [PRODUCT_MIME, CHECKS_MIME],
  defaultRank: 0,
  createRenderer: options => new DataProductRenderer(options.mimeType)
};

const extension: IRenderMime.IExtension = {
  id: 'dp-notebook-labextension:mime',
  rendererFactory,
  rank: 0,
  dataType: 'json'
};

export default extension;

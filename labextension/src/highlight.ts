// Syntax highlighting inside %%dataproduct cells: the body of `transform` and `sql` cells is SQL,
// the body of `declare`, `expect` and `unittest` cells is YAML. The notebook's own
// language (Python) stays for every other cell. The language is picked from the cell's first
// line and swapped through a CodeMirror compartment at highest precedence, so the editor's
// language facet (first value wins) resolves to SQL/YAML only while the magic line says so.
import { Compartment, Extension, Prec, RangeSetBuilder } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView, ViewPlugin, ViewUpdate } from '@codemirror/view';
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { EditorExtensionRegistry, IEditorExtensionRegistry, IEditorLanguageRegistry } from '@jupyterlab/codemirror';

import { cellLanguage, magicLineRanges, paramRanges } from './language';

/** True when a document change may have changed the first line (the only line we read). */
function firstLineChanged(update: ViewUpdate): boolean {
  if (!update.docChanged) {
    return false;
  }
  const end = update.startState.doc.line(1).to;
  let touched = false;
  update.changes.iterChangedRanges(fromA => {
    if (fromA <= end) {
      touched = true;
    }
  });
  return touched;
}

const MARKS = {
  magic: Decoration.line({ class: 'dpn-magic-line' }),
  option: Decoration.mark({ class: 'dpn-magic-option' }),
  param: Decoration.mark({ class: 'dpn-param' })
};

/** The %%dataproduct line reads as a command with options, and {{param}} stands out in the body. */
function magicDecorations(view: EditorView): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  const first = view.state.doc.line(1);
  const ranges = magicLineRanges(first.text);
  if (!ranges.length) {
    return Decoration.none;
  }
  for (const r of ranges) {
    builder.add(first.from + r.from, first.from + (r.kind === 'magic' ? r.from : r.to), MARKS[r.kind]);
  }
  for (let n = 2; n <= view.state.doc.lines; n++) {
    const line = view.state.doc.line(n);
    for (const r of paramRanges(line.text)) {
      builder.add(line.from + r.from, line.from + r.to, MARKS.param);
    }
  }
  return builder.finish();
}

const magicLinePlugin = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = magicDecorations(view);
    }
    update(update: ViewUpdate): void {
      if (update.docChanged) {
        this.decorations = magicDecorations(update.view);
      }
    }
  },
  { decorations: v => v.decorations }
);

export function magicLanguageExtension(languages: IEditorLanguageRegistry): Extension {
  const compartment = new Compartment();
  const plugin = ViewPlugin.fromClass(
    class {
      private _current: string | null = null;
      private _destroyed = false;

      constructor(private _view: EditorView) {
        this._apply();
      }

      update(update: ViewUpdate): void {
        if (firstLineChanged(update)) {
          this._apply();
        }
      }

      destroy(): void {
        this._destroyed = true;
      }

      private _apply(): void {
        const wanted = cellLanguage(this._view.state.doc.line(1).text);
        if (wanted === this._current) {
          return;
        }
        this._current = wanted;
        // languages load lazily; a dispatch may not happen inside an update, hence async
        void this._load(wanted).then(support => {
          if (this._destroyed || this._current !== wanted) {
            return;
          }
          this._view.dispatch({ effects: compartment.reconfigure(support ? Prec.highest(support) : []) });
          // lets styles and tests see which language a cell body is in
          if (support) {
            this._view.dom.dataset.dpLanguage = wanted ?? '';
          } else {
            delete this._view.dom.dataset.dpLanguage;
          }
        });
      }

      private async _load(name: string | null): Promise<Extension | null> {
        if (!name) {
          return null;
        }
        const language = await languages.getLanguage(name);
        return language?.support ?? null;
      }
    }
  );
  return [compartment.of([]), plugin, magicLinePlugin];
}

const highlightPlugin: JupyterFrontEndPlugin<void> = {
  id: 'dp-notebook-labextension:highlight',
  description: 'SQL and YAML highlighting inside %%dataproduct cells',
  autoStart: true,
  requires: [IEditorExtensionRegistry, IEditorLanguageRegistry],
  activate: (app: JupyterFrontEnd, extensions: IEditorExtensionRegistry, languages: IEditorLanguageRegistry) => {
    extensions.addExtension({
      name: 'dp-notebook:magic-language',
      factory: options => {
        // markdown never carries a magic; any other editor only changes on a %%dataproduct line
        if (/markdown|gfm/.test(options.model.mimeType)) {
          return null;
        }
        return EditorExtensionRegistry.createImmutableExtension(magicLanguageExtension(languages));
      }
    });
  }
};

export default highlightPlugin;

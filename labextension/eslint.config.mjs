// typescript-eslint's recommended rules with type information; run with `jlpm lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', '../dp_notebook/labextension/', 'jest.config.js', 'style/', 'src/catalog.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      eqeqeq: ['error', 'smart'],
      curly: 'error'
    }
  }
);

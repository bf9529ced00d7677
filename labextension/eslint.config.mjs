// typescript-eslint's recommended rules with type information; run with `jlpm lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', '../dp_notebook/labextension/', 'jest.config.js', 'style/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off', // catalog JSON is untyped on purpose
      eqeqeq: ['error', 'smart'],
      curly: 'error'
    }
  }
);

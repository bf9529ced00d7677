// Unit tests of the pure parts (renderers, cell-language detection) in jsdom; the JupyterLab
// wiring itself is tested end to end in tests/browser/test_lab_extension.py.
module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] }
};

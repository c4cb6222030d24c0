// ESLint flat config: @eslint/js and typescript-eslint recommended; Node globals for the server, scripts and tests,
// browser globals for the web map (web-map/src is bundled by esbuild for the browser).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'web-map/dist/', 'var/', 'data/', 'test-results/', 'tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['server/**', 'scripts/**', 'test/**', '*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['web-map/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['test/**'],
    languageOptions: { globals: { ...globals.mocha } },
    rules: {
      // Tests read JSON response bodies and query rows untyped and assert their exact values with chai: the
      // assertion is the check, a declared type for every body would add nothing but lines.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    rules: {
      // `_`-prefixed names are deliberately unused (positional parameters, destructuring to omit a field).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);

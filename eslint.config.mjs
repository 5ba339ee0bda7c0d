// ESLint for `npm run lint` (the lint suite of `npm test`): the recommended rules of ESLint and typescript-eslint
// for all our TypeScript and JavaScript, two type-aware promise rules, and the one-way boundaries of
// docs/architecture.md (wcf/boundaries between our folders; no-restricted-imports for `vscode` and Node built-ins).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import boundaries from './scripts/eslint-boundaries.mjs';

const noVscode = { name: 'vscode', message: 'only extension/ runs in the extension host; use DAP instead.' };
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
  name,
  message: 'webview/ is a browser bundle: no Node modules.',
}));

export default defineConfig(
  { ignores: ['node_modules/', 'out/', 'dist/', 'artifacts/', '.e2e/', 'examples/', 'native/', '**/*.d.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { wcf: boundaries },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'wcf/boundaries': 'error',
      // Names starting with `_` are kept on purpose (a parameter an interface requires, a skipped tuple slot).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Two type-aware rules for the async DAP code: a promise nobody awaits or catches is a rejection that
    // kills the session instead of failing one request. node:test's test() promises are awaited by the runner.
    files: ['adapter/**/*.ts', 'extension/**/*.ts', 'test/**/*.ts', 'scripts/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Plain CommonJS scripts (scripts/, bin/, test/e2e/): require() is how they load modules.
    files: ['**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Playwright's page.evaluate() callbacks in the end-to-end harness run inside the workbench page.
    files: ['test/e2e/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['adapter/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode] }] },
  },
  {
    files: ['webview/**/*.{ts,tsx,js}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode, ...nodeBuiltins] }] },
  },
);

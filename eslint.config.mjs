import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Sibling layers by directory name, as `../name` and `../name/*` import patterns. */
const layers = (...names) => names.flatMap((name) => [`../${name}`, `../${name}/*`]);

/**
 * The layout is the architecture (docs/architecture.md): each zone lists what
 * its files may not import. `auth/` depends on nothing but `errors` (and runs
 * in browsers: no Node built-in, save in its `.node.ts` transport);
 * `http`, `ws`, `config` and `stores` on `auth`; `gateway` on those.
 */
const zones = [
  { files: ['lib/errors.ts'], forbidden: ['./*'], why: 'errors.ts is the bottom layer: it imports nothing of the library' },
  {
    files: ['lib/auth/**/*.ts'],
    ignores: ['lib/auth/**/*.node.ts'],
    forbidden: [...layers('http', 'ws', 'gateway', 'config', 'stores', 'cli', 'testing'), '../index', '../redis', 'node:*'],
    why: 'auth/ depends on nothing but errors, and no Node built-in (it runs in browsers)',
  },
  { files: ['lib/http/**/*.ts'], forbidden: [...layers('ws', 'gateway', 'config', 'stores', 'cli', 'testing'), '../index'], why: 'http/ depends on auth and errors only' },
  { files: ['lib/ws/**/*.ts'], forbidden: [...layers('http', 'gateway', 'config', 'stores', 'cli', 'testing'), '../index'], why: 'ws/ depends on auth and errors only' },
  { files: ['lib/stores/**/*.ts'], forbidden: [...layers('http', 'ws', 'gateway', 'config', 'cli', 'testing'), '../index'], why: 'stores/ implement auth/token-store and depend on nothing above it' },
  { files: ['lib/config/**/*.ts'], forbidden: [...layers('http', 'ws', 'gateway', 'cli', 'testing'), '../index'], why: 'config/ depends on auth (and the file store) only' },
  { files: ['lib/gateway/**/*.ts'], forbidden: [...layers('cli', 'testing'), '../index'], why: 'gateway/ is built on auth, http, ws and config, never on the test kit' },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/', '**/*.js', 'testing/', 'redis/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    // The bench is a user of the package: it imports the public entry points, never dist internals.
    files: ['bench/**/*.mjs'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/dist/**'], message: 'import axios-ws-auth (or axios-ws-auth/testing), not dist internals' }] }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='require'] > Literal[value=/dist\\//]", message: "require('axios-ws-auth'), not dist internals" },
        { selector: 'ImportExpression > Literal[value=/dist\\//]', message: "import('axios-ws-auth'), not dist internals" },
      ],
    },
  },
  ...zones.map(({ files, ignores, forbidden, why }) => ({
    files,
    ...(ignores && { ignores }),
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message: why }] }] },
  })),
);

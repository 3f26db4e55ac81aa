// ESLint flat config (issue #9, section 6): the rules that keep promise, dead-code and import holes closed.
// No preset is enabled on purpose: formatting and style stay out of `npm test`; only the rules below run.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Plain JavaScript is not linted: src/web/console.js is browser code served as-is to the console page, and
    // test/fixtures/*.mjs are stand-in processes (fake claws) spawned by tests. None of the rules below needs
    // types they lack, and neither is part of the TypeScript project the type-aware rule reads.
    ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', '.cache/', '.scratch/', 'src/web/*.js', 'test/fixtures/*.mjs', 'eslint.config.js'],
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // Type-aware: no-floating-promises needs the type checker; projectService reads tsconfig.json, which
      // includes src, commands, adapters, test, bench and vitest.config.ts.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A promise nobody awaits loses its rejection; fire-and-forget must say so with `void` (and catch inside).
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback handed to something that ignores its result (EventEmitter, setInterval) loses its rejection too.
      '@typescript-eslint/no-misused-promises': 'error',
      // Leading underscore marks a name that is unused on purpose (callback args, destructured-away fields).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'all',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
    },
  },
);

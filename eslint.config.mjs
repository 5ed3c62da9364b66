// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import moduleBoundaries from './eslint/module-boundaries.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '*.mjs', '*.mts'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.spec.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through AppConfig (libs/common/src/config).',
        },
      ],
    },
  },
  {
    // The dependency direction (docs/architecture.md, "Dependency rules").
    files: ['apps/api/src/**/*.ts', 'libs/**/*.ts'],
    plugins: { local: { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: {
      'local/module-boundaries': [
        'error',
        {
          // Feature → features it must never import (the layers above it, or a sibling it
          // would tie itself to). Everything else may be imported through its index.ts.
          forbidden: {
            workflow: ['execution', 'executor', 'schedule', 'webhook', 'mcp', 'admin', 'gateway'],
            'api-key': [
              'workflow',
              'execution',
              'executor',
              'schedule',
              'webhook',
              'mcp',
              'admin',
              'gateway',
            ],
            execution: ['schedule', 'webhook', 'mcp', 'admin', 'gateway', 'legacy'],
            executor: ['schedule', 'webhook', 'mcp', 'admin', 'gateway', 'legacy'],
            schedule: ['webhook', 'mcp', 'admin', 'gateway'],
            webhook: ['schedule', 'mcp', 'admin', 'gateway'],
            limits: ['workflow', 'execution', 'executor', 'mcp', 'admin', 'gateway'],
            metrics: ['workflow', 'execution', 'executor', 'mcp', 'admin', 'gateway'],
          },
          // The entity list hands TypeORM every entity file.
          entityListers: ['database'],
        },
      ],
    },
  },
  {
    // The config loader is the one place that reads the environment; tests and benchmarks
    // build environments for the processes they start.
    files: [
      'libs/common/src/config/config.loader.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'apps/robot-sim/src/main.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
);

// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

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
    // The config loader is the one place that reads the environment; tests and benchmarks
    // build environments for the processes they start.
    files: ['libs/common/src/config/config.loader.ts', 'test/**/*.ts', 'bench/**/*.ts', 'apps/robot-sim/src/main.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);

import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const alias = {
  '@app/common': fileURLToPath(new URL('./libs/common/src', import.meta.url)),
  '@app/robot-sim': fileURLToPath(new URL('./libs/robot-sim/src', import.meta.url)),
};

// SWC keeps decorator metadata, which Nest's dependency injection needs.
const plugins = [swc.vite({ module: { type: 'es6' } })];

export default defineConfig({
  plugins,
  resolve: { alias },
  test: {
    globals: true,
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        plugins,
        resolve: { alias },
        test: { name: 'unit', globals: true, include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'] },
      },
      {
        plugins,
        resolve: { alias },
        test: {
          name: 'e2e',
          globals: true,
          include: ['test/**/*.e2e-spec.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

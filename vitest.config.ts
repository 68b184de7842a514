import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Fakes bind 127.0.0.1 on random ports; e2e tests spawn the built CLI.
    pool: 'forks',
  },
});

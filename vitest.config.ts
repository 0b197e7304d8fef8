import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real servers (PostgreSQL, s3rver) and real file systems: give them time, and keep
    // files isolated in their own processes so one suite's servers never leak into another.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});

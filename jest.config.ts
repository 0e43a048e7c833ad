import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // The child-process tests run the compiled gateway, exactly what `npm start` runs.
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  // SQLite errors are Errors of each test file's own realm, as in production (see the file).
  setupFiles: ['<rootDir>/test/helpers/sqlite-error-realm.ts'],
  testTimeout: 30_000,
  // Two cores: more workers than that only adds contention on the shared PostgreSQL.
  maxWorkers: 2,
};

export default config;

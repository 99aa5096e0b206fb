/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }], '/node_modules/jose/.+\\.js$': '<rootDir>/__tests__/support/esm-transform.js' },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 30000,
  // Suites that need redis-server or chromium say so when the package is missing.
  reporters: ['default', '<rootDir>/__tests__/support/left-out-reporter.js'],
  // The README's examples import the package by name; tests run them against the source.
  moduleNameMapper: {
    '^axios-ws-auth$': '<rootDir>/lib/index.ts',
    '^axios-ws-auth/testing$': '<rootDir>/lib/testing/index.ts',
    '^axios-ws-auth/redis$': '<rootDir>/lib/redis.ts',
  },
};

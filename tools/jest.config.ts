export default {
  displayName: 'tools',
  preset: '../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/lint-fixtures/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.tools.json' }] },
  moduleNameMapper: {
    '^@inbound/adapters$': '<rootDir>/../libs/adapters/src/index.ts',
    '^@inbound/domain$': '<rootDir>/../libs/domain/src/index.ts',
    '^@inbound/messaging$': '<rootDir>/../libs/messaging/src/index.ts',
    '^@inbound/testing$': '<rootDir>/testing/index.ts',
    '^@inbound/runtime$': '<rootDir>/../libs/runtime/src/index.ts',
    '^@inbound/runtime/config$': '<rootDir>/../libs/runtime/src/config.ts',
  },
  globalSetup: '<rootDir>/testing/global-setup.ts',
  globalTeardown: '<rootDir>/testing/global-teardown.ts',
  testTimeout: 60000,
};

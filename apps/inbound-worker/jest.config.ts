export default {
  displayName: 'inbound-worker',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '../../tools/testing/global-setup.ts',
  globalTeardown: '../../tools/testing/global-teardown.ts',
  testTimeout: 30000,
  // Every file consumes the run's one `webhook.inbound` queue: files running side by side
  // would take each other's messages.
  maxWorkers: 1,
  coverageDirectory: '../../coverage/apps/inbound-worker',
};

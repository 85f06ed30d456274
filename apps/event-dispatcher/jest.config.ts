export default {
  displayName: 'event-dispatcher',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  globalSetup: '../../tools/testing/global-setup.ts',
  globalTeardown: '../../tools/testing/global-teardown.ts',
  testTimeout: 30000,
  // Every spec's dispatcher shares the run's database and vhost: two at once would take each other's deliveries.
  maxWorkers: 1,
  coverageDirectory: '../../coverage/apps/event-dispatcher',
};

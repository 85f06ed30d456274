// Shared Jest settings for every project: ts-jest compiles with the workspace tsconfig,
// so decorators and path aliases behave as in the build.
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json', isolatedModules: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@inbound/contracts$': '<rootDir>/../../libs/contracts/src/index.ts',
    '^@inbound/adapters$': '<rootDir>/../../libs/adapters/src/index.ts',
    '^@inbound/adapters/fake-provider-apis$': '<rootDir>/../../libs/adapters/src/fake-provider-apis.ts',
    '^@inbound/adapters/test-signers$': '<rootDir>/../../libs/adapters/src/test-signers.ts',
    '^@inbound/domain$': '<rootDir>/../../libs/domain/src/index.ts',
    '^@inbound/runtime$': '<rootDir>/../../libs/runtime/src/index.ts',
    '^@inbound/runtime/config$': '<rootDir>/../../libs/runtime/src/config.ts',
    '^@inbound/testing$': '<rootDir>/../../tools/testing/index.ts',
    '^@inbound/messaging$': '<rootDir>/../../libs/messaging/src/index.ts',
    '^@inbound/webhook-delivery$': '<rootDir>/../../libs/webhook-delivery/src/index.ts',
  },
  coverageReporters: ['text-summary'],
};

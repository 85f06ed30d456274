export * from './isolated-infra';
export * from './wait-for';
export * from './app-process';
export * from './fake-bot-api';

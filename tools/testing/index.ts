export * from './isolated-infra';
export * from './wait-for';
export * from './app-process';
export * from './fake-bot-api';
export * from './worker-process-suite';
export * from './tcp-proxy';

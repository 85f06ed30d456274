export * from './shared/adapter.types';
export * from './shared/event-id';
export * from './registry';

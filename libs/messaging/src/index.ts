export * from './lib/topology/failure-headers';
export * from './lib/topology/retry-schedule';
export * from './lib/topology/topology';
export * from './lib/publisher/confirmed-publisher';
export * from './lib/consumer/failure-router';
export * from './lib/consumer/consumer-config';

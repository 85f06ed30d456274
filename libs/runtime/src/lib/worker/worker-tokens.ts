export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export const WORKER_DATA_SOURCE = Symbol('WORKER_DATA_SOURCE');
export const WORKER_METRICS = Symbol('WORKER_METRICS');
export const WORKER_TOPOLOGY = Symbol('WORKER_TOPOLOGY');
export const WORKER_SERVICE = Symbol('WORKER_SERVICE');

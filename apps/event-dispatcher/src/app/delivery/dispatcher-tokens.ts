/** The EventDispatcherConfig (the worker's WORKER_CONFIG holds only its worker part's type). */
export const DISPATCHER_CONFIG = Symbol('DISPATCHER_CONFIG');

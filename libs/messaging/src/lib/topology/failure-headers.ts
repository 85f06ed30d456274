/** Headers the failure path writes, so an operator can see why a message is where it is. */
export const HEADER_ATTEMPT = 'x-attempt';
export const HEADER_FAILURE_REASON = 'x-failure-reason';
export const HEADER_ORIGINAL_EXCHANGE = 'x-original-exchange';
export const HEADER_ORIGINAL_ROUTING_KEY = 'x-original-routing-key';
export const HEADER_FIRST_FAILED_AT = 'x-first-failed-at';

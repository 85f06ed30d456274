export * from './lib/channel-type';
export * from './lib/message-status';
export * from './lib/field-limits';
export * from './lib/bus';
export * from './lib/events/event-validation';
export * from './lib/events/inbound-message.event';
export * from './lib/events/status-update.event';
export { isEventTime } from './lib/events/field-rules';
export * from './lib/outbound/outbound-event';

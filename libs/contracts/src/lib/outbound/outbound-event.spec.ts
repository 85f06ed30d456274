import { ALL_OUTBOUND_EVENTS, isOutboundEventType, OUTBOUND_EVENT_TYPES } from './outbound-event';

describe('outbound event types', () => {
  it('names each type once', () => {
    expect(new Set(OUTBOUND_EVENT_TYPES).size).toBe(OUTBOUND_EVENT_TYPES.length);
  });

  it('knows the catalogue and nothing else', () => {
    for (const type of OUTBOUND_EVENT_TYPES) expect(isOutboundEventType(type)).toBe(true);
    for (const other of [ALL_OUTBOUND_EVENTS, 'message', 'MESSAGE.RECEIVED', 'message.received ', '', null, 1, undefined]) {
      expect(isOutboundEventType(other)).toBe(false);
    }
  });
});

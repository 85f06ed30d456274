import { guardedAdapter } from './guarded-adapter';

const request = { method: 'POST', url: 'https://x/webhooks/sms/1', headers: {}, rawBody: Buffer.from('{}') };
const channel = {
  id: '0b9f7a4e-2c1d-4e8f-9a6b-3c5d7e9f1a2b',
  account_id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  channel_type: 'sms' as const,
};

describe('guardedAdapter', () => {
  const explode = () => {
    throw new TypeError('unforeseen');
  };

  it('turns a throwing check into a rejection, and a rejected promise too', async () => {
    await expect(guardedAdapter({ provider: 'p', verify: explode, parse: explode }).verify(request, {})).resolves.toEqual({
      ok: false,
      reason: 'bad_signature',
      detail: 'request could not be checked',
    });
    const rejecting = guardedAdapter({ provider: 'p', verify: () => Promise.reject(new Error('late')), parse: explode });
    await expect(rejecting.verify(request, {})).resolves.toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('turns a throwing parser into a parse error', () => {
    expect(guardedAdapter({ provider: 'p', verify: () => ({ ok: true }), parse: explode }).parse(request, channel, new Date())).toEqual({
      ok: false,
      error: { kind: 'invalid_payload', detail: 'payload could not be read' },
    });
  });

  it('passes results through unchanged', async () => {
    const events = { inbound: [], statuses: [] };
    const adapter = guardedAdapter({ provider: 'p', verify: () => ({ ok: true }), parse: () => ({ ok: true, events }) });
    expect(adapter.provider).toBe('p');
    await expect(adapter.verify(request, {})).resolves.toEqual({ ok: true });
    expect(adapter.parse(request, channel, new Date())).toEqual({ ok: true, events });
  });
});

import { CredentialsError } from '../shared/credential-rules';
import { mergeChannelCredentials, prepareChannelCredentials } from '../registry';
import { bridgeProvider } from './bridge.provider';

describe('bridge credentials and setup', () => {
  it('generates a webhook_secret when absent, and keeps one it was given', () => {
    const generated = prepareChannelCredentials('bridge', {});
    expect(generated.webhook_secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(prepareChannelCredentials('bridge', {}).webhook_secret).not.toBe(generated.webhook_secret);
    expect(prepareChannelCredentials('bridge', { webhook_secret: 'my-own-bridge-secret-0001' })).toEqual({
      webhook_secret: 'my-own-bridge-secret-0001',
    });
  });

  it.each([
    [{ webhook_secret: 'short' }, 'credentials.webhook_secret'],
    [{ webhook_secret: 'with spaces in it 0123456789' }, 'credentials.webhook_secret'],
    [{ webhook_secret: 42 }, 'credentials.webhook_secret'],
    [{ previous_webhook_secret: 'short' }, 'credentials.previous_webhook_secret'],
  ])('refuses %j naming the field', (input, field) => {
    expect(() => prepareChannelCredentials('bridge', input)).toThrow(CredentialsError);
    try {
      prepareChannelCredentials('bridge', input);
    } catch (error) {
      expect((error as CredentialsError).field).toBe(field);
    }
  });

  it('a rotation: the old secret as previous, then null removes it', () => {
    const stored = { webhook_secret: 'old-bridge-secret-0123456789' };
    const rotating = mergeChannelCredentials('bridge', stored, {
      webhook_secret: 'new-bridge-secret-0123456789',
      previous_webhook_secret: 'old-bridge-secret-0123456789',
    });
    expect(rotating).toEqual({ webhook_secret: 'new-bridge-secret-0123456789', previous_webhook_secret: 'old-bridge-secret-0123456789' });
    expect(mergeChannelCredentials('bridge', rotating, { previous_webhook_secret: null })).toEqual({
      webhook_secret: 'new-bridge-secret-0123456789',
    });
  });

  it('the manual answer names the header and never holds a secret; the secret is shown once by the creating answer', () => {
    const credentials = prepareChannelCredentials('bridge', {});
    const state = bridgeProvider.webhook.instructions('https://hooks.example.com/webhooks/bridge/c');
    expect(state).toMatchObject({
      status: 'manual',
      url: 'https://hooks.example.com/webhooks/bridge/c',
      signature_header: 'X-Webhook-Signature',
    });
    expect(JSON.stringify(state)).not.toContain(String(credentials.webhook_secret));
    expect(bridgeProvider.webhook.shownOnce).toEqual(['webhook_secret']);
  });
});

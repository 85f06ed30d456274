import type { ProviderHttp } from '../shared/provider-definition';
import { generateTelegramWebhookSecret, redactBotTokens, TelegramBotApi } from './telegram.bot-api';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('TelegramBotApi', () => {
  it('calls setWebhook with the URL, secret and the update kinds we parse', async () => {
    const calls: Array<{ url: string; body: unknown }> = [];
    const post: ProviderHttp = async ({ url, json }) => (
      calls.push({ url, body: json }),
      { status: 200, data: { ok: true, result: true, description: 'Webhook was set' } }
    );
    const api = new TelegramBotApi('http://127.0.0.1:9/', post);
    await expect(api.setWebhook(TOKEN, 'https://hooks.example.com/webhooks/telegram/x', 'secret_-1')).resolves.toEqual({
      ok: true,
      result: true,
    });
    expect(calls).toEqual([
      {
        url: `http://127.0.0.1:9/bot${TOKEN}/setWebhook`,
        body: {
          url: 'https://hooks.example.com/webhooks/telegram/x',
          secret_token: 'secret_-1',
          allowed_updates: ['message', 'edited_message', 'channel_post', 'edited_channel_post'],
          drop_pending_updates: false,
        },
      },
    ]);
  });

  it("returns Telegram's own description when it says no", async () => {
    const api = new TelegramBotApi('http://x', async () => ({
      status: 401,
      data: { ok: false, error_code: 401, description: 'Unauthorized' },
    }));
    await expect(api.deleteWebhook(TOKEN)).resolves.toEqual({ ok: false, error: 'Unauthorized' });
  });

  it('never puts the bot token into an error', async () => {
    const api = new TelegramBotApi('http://x', async () => {
      throw new Error(`connect ECONNREFUSED for http://x/bot${TOKEN}/getWebhookInfo`);
    });
    const result = await api.getWebhookInfo(TOKEN);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('AAHdqTcv');
    expect(result).toEqual({
      ok: false,
      error: 'Telegram could not be reached: connect ECONNREFUSED for http://x/bot<redacted>/getWebhookInfo',
    });
  });

  it('answers an unexpected body by its HTTP status', async () => {
    const api = new TelegramBotApi('http://x', async () => ({ status: 502, data: '<html>bad gateway</html>' }));
    await expect(api.getWebhookInfo(TOKEN)).resolves.toEqual({ ok: false, error: 'HTTP 502' });
  });
});

describe('webhook secrets and redaction', () => {
  it("generates secrets in Telegram's charset, at least 32 characters, never the same twice", () => {
    const secrets = new Set(Array.from({ length: 100 }, generateTelegramWebhookSecret));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Za-z0-9_-]{48}$/);
  });

  it('redacts tokens wherever they appear', () => {
    expect(redactBotTokens(`GET /bot${TOKEN}/x and bot${TOKEN}`)).toBe('GET /bot<redacted>/x and bot<redacted>');
  });
});

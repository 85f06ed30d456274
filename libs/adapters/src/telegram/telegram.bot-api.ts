import { randomBytes } from 'node:crypto';
import type { ProviderAnswer, ProviderHttp } from '../shared/provider-definition';
import { TELEGRAM_MESSAGE_UPDATE_TYPES } from './telegram.types';

// https://core.telegram.org/bots/api#setwebhook. Bot tokens appear in Bot API URLs: nothing here puts a URL in an error.

export type BotApiResult<T> = { ok: true; result: T } | { ok: false; error: string };

export interface TelegramWebhookInfo {
  url: string;
  pending_update_count?: number;
  last_error_message?: string;
}

/** A secret_token Telegram accepts (1–256 of A-Z a-z 0-9 _ -): 48 characters, 288 random bits. */
export function generateTelegramWebhookSecret(): string {
  return randomBytes(36).toString('base64url');
}

/** Replaces bot tokens in any text (URLs in library error messages carry them). */
export function redactBotTokens(text: string): string {
  return text.replace(/bot\d+:[A-Za-z0-9_-]+/g, 'bot<redacted>');
}

export class TelegramBotApi {
  constructor(
    private readonly baseUrl: string,
    private readonly http: ProviderHttp,
  ) {}

  setWebhook(botToken: string, url: string, secretToken: string): Promise<BotApiResult<true>> {
    return this.call(botToken, 'setWebhook', {
      url,
      secret_token: secretToken, // Only the update kinds our parser turns into events; Telegram need not send the rest.
      allowed_updates: TELEGRAM_MESSAGE_UPDATE_TYPES,
      drop_pending_updates: false,
    });
  }

  deleteWebhook(botToken: string): Promise<BotApiResult<true>> {
    return this.call(botToken, 'deleteWebhook', { drop_pending_updates: false });
  }

  getWebhookInfo(botToken: string): Promise<BotApiResult<TelegramWebhookInfo>> {
    return this.call(botToken, 'getWebhookInfo', {});
  }

  private async call<T>(botToken: string, method: string, params: Record<string, unknown>): Promise<BotApiResult<T>> {
    let answer: ProviderAnswer;
    try {
      answer = await this.http({ method: 'POST', url: `${this.baseUrl.replace(/\/+$/, '')}/bot${botToken}/${method}`, json: params });
    } catch (error) {
      return { ok: false, error: `Telegram could not be reached: ${redactBotTokens((error as Error)?.message ?? 'unknown error')}` };
    }
    const data = answer.data as { ok?: unknown; result?: unknown; description?: unknown } | null;
    if (data && data.ok === true) return { ok: true, result: data.result as T };
    const description = data && typeof data.description === 'string' ? data.description : `HTTP ${answer.status}`;
    return { ok: false, error: redactBotTokens(description) };
  }
}

/**
 * Telegram's side of the check (test traffic only): it signs nothing, it echoes the `secret_token`
 * it was given by setWebhook (the channel's server-written `webhook_secret`) in a header.
 */
export function signTelegramCall(webhookSecret: string): Record<string, string> {
  return { 'x-telegram-bot-api-secret-token': webhookSecret };
}

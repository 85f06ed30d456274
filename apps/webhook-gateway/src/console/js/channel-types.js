/**
 * What POST /channels needs per kind of channel (docs/PROVIDERS.md, "Credentials"): the console asks for these fields
 * and sends them as `credentials`. Keys the server writes itself (webhook secrets, what a provider's API gave back) are never asked for.
 * `list`: comma-separated, sent as one string when there is one item; `array`: always sent as a list.
 * @typedef {{ key: string, label: string, required?: boolean, secret?: boolean, multiline?: boolean, list?: boolean, array?: boolean, hint?: string }} Field
 * @typedef {{ id: string, label: string, channelType: string, provider?: string, fields: Field[] }} Kind
 */

/** @type {Kind[]} */
export const CHANNEL_KINDS = [
  {
    id: 'telegram',
    label: 'Telegram',
    channelType: 'telegram',
    fields: [{ key: 'bot_token', label: 'Bot token', required: true, secret: true, hint: '123456:ABC… as BotFather gives it' }],
  },
  {
    id: 'whatsapp',
    label: 'WhatsApp Cloud API',
    channelType: 'whatsapp',
    fields: [
      { key: 'app_secret', label: 'App secret', required: true, secret: true },
      { key: 'verify_token', label: 'Verify token', hint: 'optional: generated when empty' },
      { key: 'access_token', label: 'Access token', secret: true, hint: 'optional' },
      { key: 'phone_number_id', label: 'Phone number id', hint: 'optional, digits; set it when apps share a number' },
      { key: 'app_id', label: 'App id', hint: 'optional, digits; with the app access token the gateway subscribes the app' },
      { key: 'app_access_token', label: 'App access token', secret: true, hint: 'optional, with the app id' },
    ],
  },
  {
    id: 'messenger',
    label: 'Messenger',
    channelType: 'messenger',
    fields: [
      { key: 'app_secret', label: 'App secret', required: true, secret: true },
      { key: 'verify_token', label: 'Verify token', hint: 'optional: generated when empty' },
      { key: 'page_access_token', label: 'Page access token', secret: true, hint: 'optional' },
      { key: 'page_id', label: 'Page id', hint: 'optional, digits' },
      { key: 'app_id', label: 'App id', hint: 'optional, digits; with the app access token the gateway subscribes the app' },
      { key: 'app_access_token', label: 'App access token', secret: true, hint: 'optional, with the app id' },
    ],
  },
  {
    id: 'sms',
    label: 'Twilio SMS',
    channelType: 'sms',
    fields: [
      { key: 'account_sid', label: 'Account SID', required: true, hint: 'AC followed by 32 hex digits' },
      { key: 'auth_token', label: 'Auth token', required: true, secret: true },
      { key: 'phone_number_sid', label: 'Phone number SID', hint: 'optional, PN…: the gateway sets its incoming-message URL' },
      { key: 'messaging_service_sid', label: 'Messaging Service SID', hint: 'optional, MG…, instead of a number' },
    ],
  },
  {
    id: 'resend',
    label: 'Email: Resend',
    channelType: 'email',
    provider: 'resend',
    // With an API key the gateway creates the endpoint and keeps the secret Resend makes; without one, the secret is pasted.
    fields: [
      { key: 'api_key', label: 'API key', secret: true, hint: 're_…, full access: the gateway registers the webhook' },
      { key: 'webhook_secret', label: 'Signing secret', secret: true, hint: 'whsec_…; needed without an API key' },
    ],
  },
  {
    id: 'sendgrid',
    label: 'Email: SendGrid',
    channelType: 'email',
    provider: 'sendgrid',
    fields: [
      { key: 'api_key', label: 'API key', secret: true, hint: 'SG.…: the gateway registers the webhook and turns signing on' },
      {
        key: 'verification_key',
        label: 'Verification key',
        multiline: true,
        hint: 'the public key, base64 DER; needed without an API key',
      },
    ],
  },
  {
    id: 'ses',
    label: 'Email: Amazon SES (SNS)',
    channelType: 'email',
    provider: 'ses',
    fields: [{ key: 'topic_arn', label: 'SNS topic ARN', required: true, list: true, hint: 'arn:aws:sns:…; several separated by commas' }],
  },
  {
    id: 'mailgun',
    label: 'Email: Mailgun',
    channelType: 'email',
    provider: 'mailgun',
    fields: [
      { key: 'api_key', label: 'API key', secret: true, hint: 'with the domain: the gateway registers the webhooks' },
      { key: 'domain', label: 'Sending domain', hint: 'mg.example.com; with the API key' },
      { key: 'signing_key', label: 'HTTP webhook signing key', secret: true, hint: 'needed without an API key' },
    ],
  },
  {
    id: 'postmark',
    label: 'Email: Postmark',
    channelType: 'email',
    provider: 'postmark',
    fields: [
      { key: 'server_token', label: 'Server API token', secret: true, hint: 'the gateway registers the webhook' },
      { key: 'basic_auth_username', label: 'Basic auth user name', hint: 'no colon; needed without a server token (generated with one)' },
      {
        key: 'basic_auth_password',
        label: 'Basic auth password',
        secret: true,
        hint: 'needed without a server token (generated with one)',
      },
    ],
  },
  {
    id: 'bridge',
    label: 'WhatsApp Web bridge',
    channelType: 'bridge',
    fields: [{ key: 'webhook_secret', label: 'Webhook secret', secret: true, hint: 'optional: generated and shown once when empty' }],
  },
  {
    id: 'unipile',
    label: 'Unipile',
    channelType: 'unipile',
    fields: [
      { key: 'api_url', label: 'API URL (DSN)', required: true, hint: 'https://apiN.unipile.com:PORT from the dashboard' },
      { key: 'api_key', label: 'Access token', required: true, secret: true },
      { key: 'account_ids', label: 'Account ids', array: true, hint: 'optional, separated by commas; empty: every account' },
    ],
  },
];

/**
 * The credentials object for POST /channels from the form's values; empty optional fields are left out.
 * @param {Kind} kind @param {Record<string, string>} values
 */
export function credentialsOf(kind, values) {
  /** @type {Record<string, unknown>} */
  const credentials = kind.provider ? { provider: kind.provider } : {};
  for (const field of kind.fields) {
    const value = (values[field.key] ?? '').trim();
    if (!value) continue;
    if (field.list || field.array) {
      const items = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      credentials[field.key] = items.length === 1 && !field.array ? items[0] : items;
    } else credentials[field.key] = value;
  }
  return credentials;
}

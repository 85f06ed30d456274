/**
 * Per kind: the demo channel's credentials, and the provider calls the simulator sends, built from
 * the adapters' own fixtures with fresh ids and signed the provider's way (@inbound/adapters/test-signers).
 */
import {
  createSendGridTestKeys,
  signBridgeCall,
  mailgunSignatureBlock,
  signMessengerCall,
  signPostmarkCall,
  signResendCall,
  signSendGridCall,
  signSnsMessage,
  signTelegramCall,
  signTwilioFormCall,
  signUnipileCall,
  signWhatsAppCall,
  SNS_DEV_CERTIFICATE_URL,
  type SnsMessage,
} from '@inbound/adapters/test-signers';
import { FakeUnipileApi } from '@inbound/adapters/testing';
import { createPrivateKey, generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kind, StatusScenario } from './args';

/** One HTTP call as the provider would make it. */
export interface ProviderCall {
  body: string;
  headers: Record<string, string>;
}

/** What a call needs to know about the channel. */
export interface CallTarget {
  /** The channel's `webhook_url` (WEBHOOK_BASE_URL + path): what Twilio signs. */
  webhookUrl: string;
  /** Everything the provider's side signs with: the generated secrets, or for Telegram the server-written one. */
  secrets: Record<string, string>;
}

/** A status for one outbound message. */
export interface StatusItem {
  providerMessageId: string;
  recipient: string;
  status: StatusScenario;
}

export interface InboundCall extends ProviderCall {
  providerMessageId: string;
  sender: string;
}

export interface SubscriptionCall extends ProviderCall {
  topicArn: string;
  /** What the confirmation request must carry back. */
  token: string;
}

/**
 * The provider's own API, for a provider the gateway registers webhooks with (Unipile): a local stand-in the
 * simulator runs for one run, since the real one needs an account.
 */
export interface ProviderApiSession {
  /** Where the stand-in answers. */
  origin: string;
  /** The credentials that point a channel at the stand-in. */
  credentials: Record<string, unknown>;
  /** The webhooks the gateway registered at the stand-in for this URL. */
  webhookCount(webhookUrl: string): number;
  /** What the provider was told to send with its calls to this URL (the registered webhook's secret). */
  secretsFor(webhookUrl: string): Record<string, string>;
  stop(): Promise<void>;
}

export interface ProviderKind {
  kind: Kind;
  channelType: 'telegram' | 'whatsapp' | 'messenger' | 'sms' | 'email' | 'bridge' | 'unipile';
  /** Inbound messages exist for this provider (the email providers report statuses only). */
  inbound: boolean;
  statuses: readonly StatusScenario[];
  /** Several statuses per call (WhatsApp, SendGrid): these kinds run the campaign scenario. */
  batches: boolean;
  /** Credentials for POST /channels, and the secrets the simulator keeps to sign with. */
  newCredentials(api?: ProviderApiSession): { credentials: Record<string, unknown>; secrets: Record<string, string> };
  /** For a provider registered through its API: starts the stand-in of that API the run's channel uses. */
  startProviderApi?(): Promise<ProviderApiSession>;
  /** Fresh ids for one outbound message: what the sending side would store. */
  newOutbound(): { providerMessageId: string; recipient: string };
  inboundCall?(target: CallTarget): InboundCall;
  statusCall(target: CallTarget, items: readonly StatusItem[]): ProviderCall;
  /** A subscription confirmation whose confirmation request goes to `confirmationUrl` (SNS: the subscription scenario). */
  subscriptionCall?(target: CallTarget, confirmationUrl: string): SubscriptionCall;
  /** Printed when a call the simulator signed properly is refused: what the gateway needs for this kind. */
  refusalHint?: string;
  /** Campaign row n: provider id `<idPrefix><n>`, recipient `<recipientPrefix><n><recipientSuffix>` (batching kinds). */
  campaignIds?(): { idPrefix: string; recipientPrefix: string; recipientSuffix: string };
}

const FIXTURES = join(__dirname, '..', '..', 'libs', 'adapters', 'src');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are provider payloads, rewritten in place
type Json = any;
const fixture = (provider: string, name: string): Json =>
  JSON.parse(readFileSync(join(FIXTURES, provider, 'fixtures', `${name}.json`), 'utf8'));
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const digits = (count: number) => Array.from({ length: count }, (_, index) => (index === 0 ? randomInt(1, 10) : randomInt(0, 10))).join('');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const json = (headers: Record<string, string>) => ({ 'content-type': 'application/json', ...headers });
const emailRecipient = () => `sim-${hex(4)}@example.com`;

const telegram: ProviderKind = {
  kind: 'telegram',
  channelType: 'telegram',
  inbound: true,
  statuses: [],
  batches: false,
  newCredentials: () => ({ credentials: { bot_token: `${digits(10)}:AA${randomBytes(26).toString('base64url')}` }, secrets: {} }),
  newOutbound: () => ({ providerMessageId: `${digits(9)}:${digits(6)}`, recipient: digits(9) }),
  inboundCall(target) {
    const update = fixture('telegram', 'text-message');
    update.update_id = randomInt(1, 2 ** 31 - 1);
    update.message.message_id = randomInt(1, 2 ** 31 - 1);
    update.message.date = nowSeconds();
    update.message.text = 'Hello from the simulator';
    delete update.message.entities;
    const body = JSON.stringify(update);
    return {
      body,
      headers: json(signTelegramCall(target.secrets.webhook_secret ?? '')),
      providerMessageId: `${update.message.chat.id}:${update.message.message_id}`,
      sender: String(update.message.chat.id),
    };
  },
  statusCall: () => {
    throw new Error('Telegram sends no status updates');
  },
};

const WHATSAPP_STATUS_FIXTURE: Record<StatusScenario, string> = {
  sent: 'status-sent',
  delivered: 'status-delivered',
  read: 'status-read',
  failed: 'status-failed',
};

const whatsapp: ProviderKind = {
  kind: 'whatsapp',
  channelType: 'whatsapp',
  inbound: true,
  statuses: ['sent', 'delivered', 'read', 'failed'],
  batches: true,
  newCredentials: () => {
    const appSecret = hex(16);
    return { credentials: { app_secret: appSecret }, secrets: { app_secret: appSecret } };
  },
  newOutbound: () => ({ providerMessageId: `wamid.SIM${hex(16).toUpperCase()}`, recipient: `1555${digits(7)}` }),
  campaignIds: () => ({ idPrefix: `wamid.SIMCAMPAIGN${hex(8).toUpperCase()}N`, recipientPrefix: `1556${digits(3)}`, recipientSuffix: '' }),
  inboundCall(target) {
    const notification = fixture('whatsapp', 'text-message');
    const value = notification.entry[0].changes[0].value;
    const sender = `1555${digits(7)}`;
    const id = `wamid.SIM${hex(16).toUpperCase()}`;
    value.contacts[0].wa_id = sender;
    Object.assign(value.messages[0], { id, from: sender, timestamp: String(nowSeconds()), text: { body: 'Hello from the simulator' } });
    const body = JSON.stringify(notification);
    return { body, headers: json(signWhatsAppCall(target.secrets.app_secret, body)), providerMessageId: id, sender };
  },
  statusCall(target, items) {
    const notification = fixture('whatsapp', 'status-delivered');
    notification.entry[0].changes[0].value.statuses = items.map((item) => {
      const [template] = fixture('whatsapp', WHATSAPP_STATUS_FIXTURE[item.status]).entry[0].changes[0].value.statuses;
      return { ...template, id: item.providerMessageId, recipient_id: item.recipient, timestamp: String(nowSeconds()) };
    });
    const body = JSON.stringify(notification);
    return { body, headers: json(signWhatsAppCall(target.secrets.app_secret, body)) };
  },
};

const messenger: ProviderKind = {
  kind: 'messenger',
  channelType: 'messenger',
  inbound: true,
  // Messenger reports deliveries (by mid) and reads (a watermark per person), nothing else.
  statuses: ['delivered', 'read'],
  batches: false,
  newCredentials: () => {
    const appSecret = hex(16);
    return { credentials: { app_secret: appSecret }, secrets: { app_secret: appSecret } };
  },
  newOutbound: () => ({ providerMessageId: `mid.SIM${hex(12)}`, recipient: digits(16) }),
  inboundCall(target) {
    const call = fixture('messenger', 'text-with-quick-reply');
    const item = call.entry[0].messaging[0];
    const sender = digits(16);
    const id = `mid.SIM${hex(12)}`;
    call.entry[0].time = Date.now();
    item.sender.id = sender;
    item.timestamp = Date.now();
    item.message = { mid: id, text: 'Hello from the simulator' };
    const body = JSON.stringify(call);
    return { body, headers: json(signMessengerCall(target.secrets.app_secret, body)), providerMessageId: id, sender };
  },
  statusCall(target, items) {
    const call = fixture('messenger', 'delivery-read-postback-echo');
    const [delivery, read] = call.entry[0].messaging;
    call.entry[0].time = Date.now();
    call.entry[0].messaging = items.map((item) =>
      item.status === 'delivered'
        ? { ...delivery, sender: { id: item.recipient }, delivery: { mids: [item.providerMessageId], watermark: Date.now() } }
        : // A read is a watermark: every message to this person sent until now.
          { ...read, sender: { id: item.recipient }, timestamp: Date.now(), read: { watermark: Date.now() } },
    );
    const body = JSON.stringify(call);
    return { body, headers: json(signMessengerCall(target.secrets.app_secret, body)) };
  },
};

const TWILIO_STATUS: Record<StatusScenario, string> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'undelivered' };

const sms: ProviderKind = {
  kind: 'sms',
  channelType: 'sms',
  inbound: true,
  statuses: ['sent', 'delivered', 'read', 'failed'],
  batches: false,
  newCredentials: () => {
    const authToken = hex(16);
    const accountSid = `AC${hex(16)}`;
    return { credentials: { account_sid: accountSid, auth_token: authToken }, secrets: { auth_token: authToken, account_sid: accountSid } };
  },
  newOutbound: () => ({ providerMessageId: `SM${hex(16)}`, recipient: `+1555${digits(7)}` }),
  inboundCall(target) {
    const params: Record<string, string> = fixture('sms', 'inbound-sms');
    const sid = `SM${hex(16)}`;
    const sender = `+1555${digits(7)}`;
    Object.assign(params, { MessageSid: sid, SmsSid: sid, SmsMessageSid: sid, From: sender, Body: 'Hello from the simulator' });
    params.AccountSid = target.secrets.account_sid ?? params.AccountSid;
    return { ...twilioForm(target, params), providerMessageId: sid, sender };
  },
  statusCall(target, items) {
    if (items.length !== 1) throw new Error('Twilio sends one status per call');
    const [item] = items;
    const params: Record<string, string> = fixture('sms', 'status-undelivered');
    Object.assign(params, { MessageSid: item.providerMessageId, SmsSid: item.providerMessageId, To: item.recipient });
    params.MessageStatus = params.SmsStatus = TWILIO_STATUS[item.status];
    params.AccountSid = target.secrets.account_sid ?? params.AccountSid;
    if (item.status !== 'failed') delete params.ErrorCode;
    return twilioForm(target, params);
  },
};

function twilioForm(target: CallTarget, params: Record<string, string>): ProviderCall {
  return {
    body: new URLSearchParams(params).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...signTwilioFormCall(target.secrets.auth_token, target.webhookUrl, params),
    },
  };
}

const RESEND_TYPE: Record<StatusScenario, string> = {
  sent: 'email.sent',
  delivered: 'email.delivered',
  read: 'email.opened',
  failed: 'email.bounced',
};

const resend: ProviderKind = {
  kind: 'resend',
  channelType: 'email',
  inbound: false,
  statuses: ['sent', 'delivered', 'read', 'failed'],
  batches: false,
  newCredentials: () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    return { credentials: { provider: 'resend', webhook_secret: secret }, secrets: { webhook_secret: secret } };
  },
  newOutbound: () => ({ providerMessageId: randomUUID(), recipient: emailRecipient() }),
  statusCall(target, items) {
    if (items.length !== 1) throw new Error('Resend sends one event per call');
    const [item] = items;
    const event = fixture('resend', 'email-bounced');
    event.type = RESEND_TYPE[item.status];
    event.created_at = new Date().toISOString();
    Object.assign(event.data, { email_id: item.providerMessageId, to: [item.recipient], created_at: new Date().toISOString() });
    if (item.status !== 'failed') delete event.data.bounce;
    const body = JSON.stringify(event);
    return { body, headers: json(signResendCall(target.secrets.webhook_secret, body)) };
  },
};

const SENDGRID_EVENT: Partial<Record<StatusScenario, string>> = { delivered: 'delivered', read: 'open', failed: 'bounce' };

const sendgrid: ProviderKind = {
  kind: 'sendgrid',
  channelType: 'email',
  inbound: false,
  // SendGrid's `processed` means queued; it has no word for sent.
  statuses: ['delivered', 'read', 'failed'],
  batches: true,
  newCredentials: () => {
    const keys = createSendGridTestKeys();
    return { credentials: { provider: 'sendgrid', verification_key: keys.verificationKey }, secrets: { private_key: keys.privateKeyPem } };
  },
  newOutbound: () => ({ providerMessageId: `SIM${hex(10)}`, recipient: emailRecipient() }),
  // No dot in the id: SendGrid's message id is sg_message_id up to its first dot.
  campaignIds: () => ({ idPrefix: `SIMCAMPAIGN${hex(8)}n`, recipientPrefix: `sim-campaign-${hex(4)}-`, recipientSuffix: '@example.com' }),
  statusCall(target, items) {
    const templates: Json[] = fixture('sendgrid', 'event-batch');
    const events = items.map((item) => {
      const word = SENDGRID_EVENT[item.status];
      if (word === undefined) throw new Error(`SendGrid reports no "${item.status}"`);
      const template = templates.find((candidate) => candidate.event === word);
      return {
        ...template,
        email: item.recipient,
        timestamp: nowSeconds(),
        'smtp-id': `<${item.providerMessageId}@sim.sendgrid.test>`,
        sg_event_id: randomBytes(16).toString('base64url'),
        sg_message_id: `${item.providerMessageId}.filter0001.sim.0`,
      };
    });
    const body = JSON.stringify(events);
    return { body, headers: json(signSendGridCall(target.secrets.private_key, body)) };
  },
};

const MAILGUN_EVENT: Partial<Record<StatusScenario, string>> = { delivered: 'delivered', read: 'opened', failed: 'failed' };

const mailgun: ProviderKind = {
  kind: 'mailgun',
  channelType: 'email',
  inbound: false,
  // Mailgun's `accepted` means queued; it has no word for sent.
  statuses: ['delivered', 'read', 'failed'],
  batches: false,
  newCredentials: () => {
    const key = `key-${hex(16)}`;
    return { credentials: { provider: 'mailgun', signing_key: key }, secrets: { signing_key: key } };
  },
  newOutbound: () => ({ providerMessageId: `${hex(8)}.${hex(6)}@sim.mailgun.test`, recipient: emailRecipient() }),
  statusCall(target, items) {
    if (items.length !== 1) throw new Error('Mailgun sends one event per call');
    const [item] = items;
    const call = fixture('mailgun', 'failed-permanent');
    call.signature = mailgunSignatureBlock(target.secrets.signing_key);
    const data = call['event-data'];
    Object.assign(data, { event: MAILGUN_EVENT[item.status], id: randomBytes(16).toString('base64url'), timestamp: Date.now() / 1000 });
    data.recipient = data.message.headers.to = item.recipient;
    data.message.headers['message-id'] = item.providerMessageId;
    if (item.status !== 'failed') for (const key of ['reason', 'severity', 'delivery-status']) delete data[key];
    const body = JSON.stringify(call);
    return { body, headers: json({}) };
  },
};

const postmark: ProviderKind = {
  kind: 'postmark',
  channelType: 'email',
  inbound: false,
  // Postmark reports deliveries, opens and bounces; it has no word for sent.
  statuses: ['delivered', 'read', 'failed'],
  batches: false,
  newCredentials: () => {
    const [username, password] = [`sim${hex(4)}`, hex(16)];
    return {
      credentials: { provider: 'postmark', basic_auth_username: username, basic_auth_password: password },
      secrets: { basic_auth_username: username, basic_auth_password: password },
    };
  },
  newOutbound: () => ({ providerMessageId: randomUUID(), recipient: emailRecipient() }),
  statusCall(target, items) {
    if (items.length !== 1) throw new Error('Postmark sends one record per call');
    const [item] = items;
    const now = new Date().toISOString();
    let record: Json;
    if (item.status === 'failed') {
      record = { ...fixture('postmark', 'bounce-hard'), ID: randomInt(1, 2 ** 31 - 1), Email: item.recipient, BouncedAt: now };
    } else {
      record = { ...fixture('postmark', 'delivery'), Recipient: item.recipient, DeliveredAt: now };
      // Postmark's Open record, from the same delivery fixture's fields.
      if (item.status === 'read')
        record = { ...record, RecordType: 'Open', FirstOpen: true, ReceivedAt: now, DeliveredAt: undefined, Details: undefined };
    }
    record.MessageID = item.providerMessageId;
    const body = JSON.stringify(record);
    return { body, headers: json(signPostmarkCall(target.secrets.basic_auth_username, target.secrets.basic_auth_password)) };
  },
};

const SES_EVENT: Record<StatusScenario, string> = { sent: 'Send', delivered: 'Delivery', read: 'Open', failed: 'Bounce' };

const ses: ProviderKind = {
  kind: 'ses',
  channelType: 'email',
  inbound: false,
  statuses: ['sent', 'delivered', 'read', 'failed'],
  batches: false,
  // The channel holds only its topic; SNS signs with the machine's development key, added for each run (simulate.ts).
  newCredentials: () => {
    const topicArn = `arn:aws:sns:us-east-1:123456789012:simulator-${hex(4)}`;
    return { credentials: { provider: 'ses', topic_arn: topicArn }, secrets: { topic_arn: topicArn } };
  },
  newOutbound: () => ({ providerMessageId: `01000${hex(6)}-${randomUUID()}-000000`, recipient: emailRecipient() }),
  refusalHint:
    'the gateway takes SNS messages signed on this machine only when started with SNS_DEV_CERTIFICATE_FILE naming the certificate ' +
    'of SNS_DEV_PRIVATE_KEY_FILE (npm start sets both in .env; restart it if it was running before they were added)',
  statusCall(target, items) {
    if (items.length !== 1) throw new Error('SNS sends one notification per call');
    const [item] = items;
    const now = new Date().toISOString();
    const event = JSON.parse(fixture('ses', 'notification-bounce').Message);
    const bounce = event.bounce;
    delete event.bounce;
    event.eventType = SES_EVENT[item.status];
    Object.assign(event.mail, { timestamp: now, messageId: item.providerMessageId, destination: [item.recipient] });
    event.mail.commonHeaders.to = [item.recipient];
    // Each event type's own object, as SES publishes it.
    if (item.status === 'sent') event.send = {};
    if (item.status === 'delivered')
      event.delivery = {
        timestamp: now,
        processingTimeMillis: 512,
        recipients: [item.recipient],
        smtpResponse: '250 2.6.0 Message received',
      };
    if (item.status === 'read') event.open = { timestamp: now, ipAddress: '192.0.2.1', userAgent: 'Mozilla/5.0 (simulator)' };
    if (item.status === 'failed')
      event.bounce = { ...bounce, timestamp: now, bouncedRecipients: [{ ...bounce.bouncedRecipients[0], emailAddress: item.recipient }] };
    const message = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: target.secrets.topic_arn,
      Message: JSON.stringify(event),
      Timestamp: now,
    };
    return snsCall(target, message);
  },
  subscriptionCall(target, confirmationUrl) {
    const documented = fixture('ses', 'subscription-confirmation');
    const topicArn = target.secrets.topic_arn;
    const token = hex(64);
    const subscribeUrl = new URL(confirmationUrl);
    subscribeUrl.search = new URLSearchParams({ Action: 'ConfirmSubscription', TopicArn: topicArn, Token: token }).toString();
    const message = {
      Type: 'SubscriptionConfirmation',
      MessageId: randomUUID(),
      Token: token,
      TopicArn: topicArn,
      Message: documented.Message.replaceAll(documented.TopicArn, topicArn),
      SubscribeURL: subscribeUrl.href,
      Timestamp: new Date().toISOString(),
    };
    return { ...snsCall(target, message), topicArn, token };
  },
};

/** Signed with the development key and pointing at its certificate; SNS posts JSON as text/plain, naming type, id and topic in headers too. */
function snsCall(target: CallTarget, message: SnsMessage): ProviderCall {
  const signed = signSnsMessage({ ...message, SigningCertURL: SNS_DEV_CERTIFICATE_URL }, target.secrets.sns_private_key);
  return {
    body: JSON.stringify(signed),
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': signed.Type,
      'x-amz-sns-message-id': signed.MessageId,
      'x-amz-sns-topic-arn': signed.TopicArn,
    },
  };
}

const bridge: ProviderKind = {
  kind: 'bridge',
  channelType: 'bridge',
  inbound: true,
  // The bridge contract has message.sent and message.failed only.
  statuses: ['sent', 'failed'],
  batches: false,
  newCredentials: () => {
    // Set by the simulator (the server would generate one and show it once): it signs with it.
    const secret = hex(24);
    return { credentials: { webhook_secret: secret }, secrets: { webhook_secret: secret } };
  },
  newOutbound: () => ({ providerMessageId: `3EB0${hex(8).toUpperCase()}`, recipient: `5511${digits(9)}` }),
  inboundCall(target) {
    const call = fixture('bridge', 'message-received-text');
    const sender = `5511${digits(9)}`;
    const id = `3EB0${hex(8).toUpperCase()}`;
    call.timestamp = new Date().toISOString();
    Object.assign(call.data, { from_number: sender, message_id: id, text: 'Hello from the simulator', timestamp: call.timestamp });
    const body = JSON.stringify(call);
    return { body, headers: json(signBridgeCall(target.secrets.webhook_secret, body)), providerMessageId: id, sender };
  },
  statusCall(target, items) {
    if (items.length !== 1) throw new Error('a bridge sends one event per call');
    const [item] = items;
    if (item.status !== 'sent' && item.status !== 'failed') throw new Error(`a bridge reports no "${item.status}"`);
    const call = fixture('bridge', item.status === 'sent' ? 'message-sent' : 'message-failed');
    call.timestamp = new Date().toISOString();
    call.data.message_id = item.providerMessageId;
    const body = JSON.stringify(call);
    return { body, headers: json(signBridgeCall(target.secrets.webhook_secret, body)) };
  },
};

const UNIPILE_ACCOUNT = 'SiMuLaToRaCcOuNt000001';
/** Unipile's ids: 22 characters of base64url. */
const unipileId = () => randomBytes(16).toString('base64url');

/** Unipile's stand-in: the adapters' local Unipile API, with the one account the demo channel receives. */
async function startUnipileApi(): Promise<ProviderApiSession> {
  const api = new FakeUnipileApi({ accounts: [{ id: UNIPILE_ACCOUNT, name: 'Simulator', type: 'WHATSAPP' }] });
  await api.start();
  const secretHeader = (webhookUrl: string) =>
    api.webhooksFor(webhookUrl)[0]?.headers.find((header) => header.key.toLowerCase() === 'x-unipile-webhook-secret')?.value;
  return {
    origin: api.url,
    credentials: { api_url: api.url, api_key: api.apiKey, account_ids: [UNIPILE_ACCOUNT] },
    webhookCount: (webhookUrl) => api.webhooksFor(webhookUrl).length,
    secretsFor: (webhookUrl): Record<string, string> => {
      const secret = secretHeader(webhookUrl);
      return secret === undefined ? {} : { webhook_secret: secret };
    },
    stop: () => api.stop(),
  };
}

const unipile: ProviderKind = {
  kind: 'unipile',
  channelType: 'unipile',
  inbound: true,
  // Of a message the account sent, Unipile reports only that it was read (message_read).
  statuses: ['read'],
  batches: false,
  newCredentials: (api) => {
    if (!api) throw new Error("a unipile channel needs the stand-in of Unipile's API");
    // No secret of ours: the gateway makes one and gives it to Unipile (here the stand-in) with the webhook.
    return { credentials: { ...api.credentials }, secrets: {} };
  },
  newOutbound: () => ({ providerMessageId: unipileId(), recipient: `+3361${digits(7)}` }),
  inboundCall(target) {
    const call = fixture('unipile', 'message-received');
    const id = unipileId();
    const sender = `+3361${digits(7)}`;
    Object.assign(call, { account_id: UNIPILE_ACCOUNT, account_type: 'WHATSAPP', message_id: id, message: 'Hello from the simulator' });
    call.timestamp = new Date().toISOString();
    call.sender = { ...call.sender, attendee_id: unipileId(), attendee_name: 'Simulator', attendee_provider_id: sender };
    const body = JSON.stringify(call);
    return { body, headers: json(signUnipileCall(target.secrets.webhook_secret ?? '')), providerMessageId: id, sender };
  },
  statusCall(target, items) {
    if (items.length !== 1) throw new Error('Unipile sends one event per call');
    const [item] = items;
    if (item.status !== 'read') throw new Error(`Unipile reports no "${item.status}"`);
    // A message the account sent (account_info.user_id is its sender) was read.
    const call = fixture('unipile', 'message-read');
    Object.assign(call, { account_id: UNIPILE_ACCOUNT, message_id: item.providerMessageId, timestamp: new Date().toISOString() });
    const body = JSON.stringify(call);
    return { body, headers: json(signUnipileCall(target.secrets.webhook_secret ?? '')) };
  },
  startProviderApi: startUnipileApi,
};

export const PROVIDER_KINDS: Record<Kind, ProviderKind> = {
  telegram,
  whatsapp,
  messenger,
  sms,
  resend,
  sendgrid,
  ses,
  mailgun,
  postmark,
  bridge,
  unipile,
};

/** The same secrets' shapes with other values: a call signed with them must be refused. */
export function wrongSecrets(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => {
      // Identifiers, not secrets: kept, so that the signature is what gets the call refused.
      if (name === 'account_sid' || name === 'topic_arn') return [name, value];
      if (value.includes('PRIVATE KEY')) return [name, otherPrivateKeyLike(value)];
      if (value.startsWith('whsec_')) return [name, `whsec_${randomBytes(24).toString('base64')}`];
      return [name, randomBytes(24).toString('base64url')];
    }),
  );
}

/** A fresh private key of the same type (SendGrid's P-256, SNS's RSA), PKCS#8 PEM. */
function otherPrivateKeyLike(pem: string): string {
  if (createPrivateKey(pem).asymmetricKeyType !== 'rsa') return createSendGridTestKeys().privateKeyPem;
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

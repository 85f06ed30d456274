import type { InboundMessageEvent } from '@inbound/contracts';
import { randomUUID } from 'node:crypto';

export interface ChannelRef {
  id: string;
  account_id: string;
}

const unique = () => randomUUID().replace(/-/g, '').slice(0, 16);

/** As the gateway's adapters publish them, one per chat channel type, each with a fresh provider message id. */
export const inboundEvents = {
  telegram(channel: ChannelRef, overrides: Partial<InboundMessageEvent> = {}): InboundMessageEvent {
    const chatId = String(100_000_000 + Math.floor(Math.random() * 800_000_000));
    const messageId = Math.floor(Math.random() * 1_000_000);
    return {
      event_id: randomUUID(),
      channel_id: channel.id,
      account_id: channel.account_id,
      channel_type: 'telegram',
      provider_message_id: `${chatId}:${messageId}`,
      sender_address: chatId,
      sender_name: 'Ada Lovelace',
      message_body: 'Hello from Telegram 👋',
      timestamp: '2025-11-20T09:15:02.000Z',
      metadata: { update_id: 918_273_645, update_type: 'message', chat_type: 'private', from_id: chatId, username: 'ada' },
      received_at: new Date().toISOString(),
      ...overrides,
    };
  },

  whatsapp(channel: ChannelRef, overrides: Partial<InboundMessageEvent> = {}): InboundMessageEvent {
    return {
      event_id: randomUUID(),
      channel_id: channel.id,
      account_id: channel.account_id,
      channel_type: 'whatsapp',
      provider_message_id: `wamid.HBgLMTU1NTEyMzQ1NjcVAgASGBQz${unique().toUpperCase()}AA==`,
      sender_address: '15551234567',
      sender_name: 'Grace Hopper',
      message_body: 'Invoice attached',
      timestamp: '2025-11-20T09:16:40.000Z',
      media_type: 'application/pdf',
      metadata: {
        message_type: 'document',
        media_id: '1046237083528753',
        filename: 'invoice-0042.pdf',
        display_phone_number: '15550001111',
        phone_number_id: '106540352242922',
      },
      received_at: new Date().toISOString(),
      ...overrides,
    };
  },

  messenger(channel: ChannelRef, overrides: Partial<InboundMessageEvent> = {}): InboundMessageEvent {
    return {
      event_id: randomUUID(),
      channel_id: channel.id,
      account_id: channel.account_id,
      channel_type: 'messenger',
      provider_message_id: `m_${unique()}-Tq8nB4xZ1wA`,
      sender_address: '6783456123409876',
      message_body: 'Look at this',
      timestamp: '2025-11-20T09:17:11.512Z',
      media_url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg',
      media_type: 'image',
      metadata: {
        attachments: [{ type: 'image', url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg' }],
        page_id: '104823950912345',
      },
      received_at: new Date().toISOString(),
      ...overrides,
    };
  },

  sms(channel: ChannelRef, overrides: Partial<InboundMessageEvent> = {}): InboundMessageEvent {
    const receivedAt = new Date().toISOString();
    return {
      event_id: randomUUID(),
      channel_id: channel.id,
      account_id: channel.account_id,
      channel_type: 'sms',
      provider_message_id: `SM${unique()}${unique()}`,
      sender_address: '+14155550123',
      message_body: 'STOP? no, just saying hi',
      // Twilio sends no time with a message: the adapter uses the time the call arrived.
      timestamp: receivedAt,
      metadata: { to: '+14155559999', account_sid: 'AC0123456789abcdef0123456789abcdef', num_segments: '1', from_country: 'US' },
      received_at: receivedAt,
      ...overrides,
    };
  },
};

export type ChatChannelType = keyof typeof inboundEvents;
export const CHAT_CHANNEL_TYPES = Object.keys(inboundEvents) as ChatChannelType[];

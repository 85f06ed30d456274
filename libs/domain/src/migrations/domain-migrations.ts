import { InitialSchema1795443251162 } from './1795443251162-initial-schema.migration';
import { ChannelWebhookState1795500000000 } from './1795500000000-channel-webhook-state.migration';
import { WebhookSpool1795600000000 } from './1795600000000-webhook-spool.migration';
import { WebhookSubscriptions1795700000000 } from './1795700000000-webhook-subscriptions.migration';
import { OutboundEvents1795800000000 } from './1795800000000-outbound-events.migration';
import { ChannelConnection1795900000000 } from './1795900000000-channel-connection.migration';
import { AccountListingIndexes1796000000000 } from './1796000000000-account-listing-indexes.migration';
import { DeliveryLogRetention1796100000000 } from './1796100000000-delivery-log-retention.migration';
import { PgcryptoForEventIds1796200000000 } from './1796200000000-pgcrypto-for-event-ids.migration';
import { OutboxSeqIndex1796300000000 } from './1796300000000-outbox-seq-index.migration';

/** Oldest first; classes, not a file glob, so that they survive bundling into one main.js. */
export const DOMAIN_MIGRATIONS = [
  InitialSchema1795443251162,
  ChannelWebhookState1795500000000,
  WebhookSpool1795600000000,
  WebhookSubscriptions1795700000000,
  OutboundEvents1795800000000,
  ChannelConnection1795900000000,
  AccountListingIndexes1796000000000,
  DeliveryLogRetention1796100000000,
  PgcryptoForEventIds1796200000000,
  OutboxSeqIndex1796300000000,
];

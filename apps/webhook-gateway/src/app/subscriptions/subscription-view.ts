import type { WebhookRetryPolicy, WebhookSubscription } from '@inbound/domain';

/** A subscription as the admin API shows it: never with a secret, except the one just made. */
export interface SubscriptionView {
  id: string;
  account_id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  retry: WebhookRetryPolicy | null;
  /** Until when the secret replaced by the last rotation still signs; null when none does. */
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export type SubscriptionWithSecret = SubscriptionView & { secret: string };

export function subscriptionView(subscription: WebhookSubscription, now: Date): SubscriptionView {
  const previousExpiry = subscription.previous_secret_expires_at;
  return {
    id: subscription.id,
    account_id: subscription.account_id,
    url: subscription.url,
    events: subscription.events,
    description: subscription.description,
    enabled: subscription.enabled,
    disabled_reason: subscription.disabled_reason,
    retry: subscription.retry,
    previous_secret_expires_at: previousExpiry && previousExpiry > now ? previousExpiry.toISOString() : null,
    created_at: subscription.created_at.toISOString(),
    updated_at: subscription.updated_at.toISOString(),
  };
}

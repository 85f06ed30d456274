/** Statuses that move a message along its lifecycle. */
export const LIFECYCLE_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

/** A status is a lowercase word; anything outside the lifecycle is informational. */
export type StatusKind = LifecycleStatus | (string & { readonly __informational?: never });

export function isLifecycleStatus(value: string): value is LifecycleStatus {
  return (LIFECYCLE_STATUSES as readonly string[]).includes(value);
}

export const STATUS_PATTERN = /^[a-z][a-z_]{1,31}$/;

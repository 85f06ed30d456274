/** Statuses that move a message along its lifecycle. */
export const LIFECYCLE_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

/** A status is a lowercase word; anything outside the lifecycle is informational (`clicked`, `deferred`). */
export type StatusKind = LifecycleStatus | (string & { readonly __informational?: never });

/** The only statuses a watermark (everything sent to one recipient up to a time) may carry. */
export const WATERMARK_STATUSES = ['delivered', 'read'] as const;
export type WatermarkStatus = (typeof WATERMARK_STATUSES)[number];

export const STATUS_PATTERN = /^[a-z][a-z_]{1,31}$/;

export function isLifecycleStatus(value: string): value is LifecycleStatus {
  return (LIFECYCLE_STATUSES as readonly string[]).includes(value);
}

export function isWatermarkStatus(value: string): value is WatermarkStatus {
  return (WATERMARK_STATUSES as readonly string[]).includes(value);
}

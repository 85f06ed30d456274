import { UNIPILE_SECRET_HEADER } from './unipile.signature';

/**
 * Unipile's side of the check (test traffic only): it signs nothing, it sends the header its webhook
 * was created with, which carries the channel's server-made `webhook_secret`.
 */
export function signUnipileCall(webhookSecret: string): Record<string, string> {
  return { [UNIPILE_SECRET_HEADER.toLowerCase()]: webhookSecret };
}

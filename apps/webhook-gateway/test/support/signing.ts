import { createHmac } from 'node:crypto';

/** Meta's X-Hub-Signature-256 over the raw body, computed here independently of our adapters. */
export function metaSignature(appSecret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers });
}

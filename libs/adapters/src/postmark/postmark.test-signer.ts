/**
 * Postmark's side of the check in postmark.signature.ts (test traffic only): it signs nothing; it
 * sends the user name and password written into the webhook URL as HTTP Basic credentials.
 */
export function signPostmarkCall(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
}

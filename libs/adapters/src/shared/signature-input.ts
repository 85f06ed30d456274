/** Replay window for providers that sign a timestamp (Svix/Resend, SendGrid, Mailgun). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/** Unix seconds written as plain digits; anything else (signs, fractions, exponents) is undefined. */
export function parseUnixSeconds(text: string): number | undefined {
  return /^\d{1,12}$/.test(text) ? Number(text) : undefined;
}

/** True when the signed time is within the window on either side of now (a future time is as suspect as an old one). */
export function isWithinTolerance(signedSeconds: number, now: Date): boolean {
  const nowSeconds = now.getTime() / 1000;
  return Math.abs(nowSeconds - signedSeconds) <= SIGNATURE_TOLERANCE_SECONDS;
}

const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Canonical only: Node's decoder skips unknown characters, so different header texts could decode alike. */
export function isStrictBase64(text: string): boolean {
  return text.length > 0 && STRICT_BASE64.test(text);
}

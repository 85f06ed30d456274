import { timingSafeEqual } from 'node:crypto';

/** Unequal lengths return false without comparing: a signature's length is no secret. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

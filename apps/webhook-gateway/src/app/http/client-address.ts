/**
 * The caller's address as the last trusted proxy saw it: the peer when no proxy is trusted, else the entry of
 * X-Forwarded-For that many hops back from the peer (the leftmost when the header is shorter). Trusting more hops than
 * the deployment really has would let a caller choose the address the verification throttle counts.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trustedHops: number): string {
  const socketAddress = peer ?? '';
  if (trustedHops <= 0 || forwardedFor === undefined) return socketAddress;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  // Nearest hop first: the peer, then the header from its right end.
  const hops = [
    socketAddress,
    ...header
      .split(',')
      .reverse()
      .map((entry) => entry.trim()),
  ];
  return hops[Math.min(trustedHops, hops.length - 1)];
}

import { clientAddress } from './client-address';

describe('clientAddress', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('10.0.0.5', '203.0.113.7', 0)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', undefined, 2)).toBe('10.0.0.5');
  });

  it('takes the entry the trusted proxies added, never one a caller put in front of it', () => {
    // The caller sent "198.51.100.9"; the ingress appended the address it saw.
    expect(clientAddress('10.0.0.5', '198.51.100.9, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.5', '198.51.100.9, 203.0.113.7, 10.0.0.4', 2)).toBe('203.0.113.7');
  });

  it('stops at the leftmost entry when the header is shorter than the trusted hops', () => {
    expect(clientAddress('10.0.0.5', '203.0.113.7', 3)).toBe('203.0.113.7');
  });

  it('reads a repeated header as one list, in order', () => {
    expect(clientAddress('10.0.0.5', ['198.51.100.9', '203.0.113.7'], 1)).toBe('203.0.113.7');
  });

  it('is empty when the socket has no address any more', () => {
    expect(clientAddress(undefined, undefined, 0)).toBe('');
  });
});

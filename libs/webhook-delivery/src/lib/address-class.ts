import { isIPv4, isIPv6 } from 'node:net';

/**
 * What kind of network an IP address belongs to, for deciding whether a subscriber URL may
 * be stored (gateway) or connected to (dispatcher). Pure: no lookups, no configuration.
 */
export type AddressClass =
  'public' | 'loopback' | 'private' | 'link_local' | 'shared' | 'unspecified' | 'metadata' | 'multicast' | 'reserved';

/** Classes an operator may let in (OUTBOUND_ALLOW_PRIVATE_URLS): networks of their own. */
export const PRIVATE_NETWORK_CLASSES: ReadonlySet<AddressClass> = new Set(['loopback', 'private', 'link_local', 'shared', 'unspecified']);

// Cloud instance metadata services: AWS/GCP/Azure/OpenStack, AWS ECS tasks, Alibaba, AWS over IPv6.
const METADATA_V4 = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200']);
const METADATA_V6 = 'fd00:ec2:0:0:0:0:0:254';

type Range = readonly [base: number, prefix: number, cls: AddressClass];

// Order matters: the first matching range wins.
const V4_RANGES: readonly Range[] = [
  [v4('0.0.0.0'), 32, 'unspecified'],
  [v4('0.0.0.0'), 8, 'reserved'], // "this network"
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('10.0.0.0'), 8, 'private'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.168.0.0'), 16, 'private'],
  [v4('169.254.0.0'), 16, 'link_local'],
  [v4('100.64.0.0'), 10, 'shared'], // carrier-grade NAT (RFC 6598)
  [v4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [v4('192.0.2.0'), 24, 'reserved'], // documentation
  [v4('198.51.100.0'), 24, 'reserved'],
  [v4('203.0.113.0'), 24, 'reserved'],
  [v4('198.18.0.0'), 15, 'reserved'], // benchmarking
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('240.0.0.0'), 4, 'reserved'], // includes the broadcast address
];

function v4(text: string): number {
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function classifyV4(value: number, dotted: string): AddressClass {
  if (METADATA_V4.has(dotted)) return 'metadata';
  for (const [base, prefix, cls] of V4_RANGES) {
    const size = 2 ** (32 - prefix);
    if (Math.floor(value / size) === Math.floor(base / size)) return cls;
  }
  return 'public';
}

function dottedOf(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Eight 16-bit groups; the text is already known to be IPv6. */
function groupsOf(text: string): number[] {
  let address = text.split('%')[0].toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (tail) {
    const value = v4(tail[1]);
    address = `${address.slice(0, -tail[1].length)}${Math.floor(value / 65536).toString(16)}:${(value % 65536).toString(16)}`;
  }
  const [head, rest] = address.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = parse(rest);
  return rest === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function classifyV6(groups: number[]): AddressClass {
  const embeddedV4 = (high: number, low: number) => {
    const value = high * 65536 + low;
    return classifyV4(value, dottedOf(value));
  };
  const zeroUpTo = (count: number) => groups.slice(0, count).every((group) => group === 0);
  if (groups.map((group) => group.toString(16)).join(':') === METADATA_V6) return 'metadata';
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && groups[7] === 1) return 'loopback';
  if (zeroUpTo(5) && groups[5] === 0xffff) return embeddedV4(groups[6], groups[7]); // IPv4-mapped
  if (zeroUpTo(6)) return 'reserved'; // IPv4-compatible, deprecated
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return embeddedV4(groups[6], groups[7]); // NAT64
  }
  if (groups[0] === 0x2002) return embeddedV4(groups[1], groups[2]); // 6to4
  const first = groups[0];
  if ((first & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link_local'; // fe80::/10
  if ((first & 0xffc0) === 0xfec0) return 'private'; // site-local, deprecated
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if (first === 0x2001 && groups[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0x0100 && zeroUpTo(4)) return 'reserved'; // discard prefix 100::/64
  return 'public';
}

/** The class of an IPv4 or IPv6 address (IPv6 may carry a zone and a dotted IPv4 tail); undefined when the text is not one. */
export function classifyAddress(text: string): AddressClass | undefined {
  if (isIPv4(text)) return classifyV4(v4(text), text);
  if (isIPv6(text)) return classifyV6(groupsOf(text));
  return undefined;
}

export interface AddressRules {
  /** OUTBOUND_ALLOW_PRIVATE_URLS: the operator lets in networks of their own. */
  allowPrivateNetworks: boolean;
}

/**
 * Whether a webhook may go to this IP address: public ones always, private-network ones only
 * when allowed; metadata, multicast, reserved and what is not an address never.
 */
export function isAddressAllowed(address: string, rules: AddressRules): boolean {
  const cls = classifyAddress(address);
  if (cls === 'public') return true;
  return cls !== undefined && rules.allowPrivateNetworks && PRIVATE_NETWORK_CLASSES.has(cls);
}

import { classifyAddress, isAddressAllowed, PRIVATE_NETWORK_CLASSES, type AddressClass } from './address-class';

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    ['8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.100.100.200', 'metadata'],
    ['192.0.2.10', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
  ])('IPv4 %s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each<[string, AddressClass]>([
    ['2606:4700:4700::1111', 'public'],
    ['::', 'unspecified'],
    ['0:0:0:0:0:0:0:0', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2:0:0:0:0:0:254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
  ])('IPv6 %s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it.each<[string, AddressClass]>([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:100.64.1.1', 'shared'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:c0a8:101', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
  ])('IPv6 with an IPv4 inside, %s, is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it('is undefined for what is not an address', () => {
    for (const text of ['localhost', 'example.com', '', '1.2.3', '256.1.1.1', '[::1]', '::g'])
      expect(classifyAddress(text)).toBeUndefined();
  });

  it('lets an operator in to their own networks, never to metadata, multicast or reserved ranges', () => {
    expect([...PRIVATE_NETWORK_CLASSES].sort()).toEqual(['link_local', 'loopback', 'private', 'shared', 'unspecified']);
  });
});

describe('isAddressAllowed', () => {
  const strict = { allowPrivateNetworks: false };
  const open = { allowPrivateNetworks: true };

  it.each(['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('takes public %s either way', (address) => {
    expect(isAddressAllowed(address, strict)).toBe(true);
    expect(isAddressAllowed(address, open)).toBe(true);
  });

  it.each(['127.0.0.1', '10.1.2.3', '169.254.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1'])(
    'takes %s only when private networks are allowed',
    (address) => {
      expect(isAddressAllowed(address, strict)).toBe(false);
      expect(isAddressAllowed(address, open)).toBe(true);
    },
  );

  it.each([
    '169.254.169.254',
    'fd00:ec2::254',
    '::ffff:169.254.169.254',
    '224.0.0.1',
    'ff02::1',
    '255.255.255.255',
    '192.0.2.1',
    'localhost',
  ])('never takes %s', (address) => {
    expect(isAddressAllowed(address, open)).toBe(false);
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ContactResolver, contactKey, type ContactLookupOutcome, type ContactResolverOptions } from './contact-resolver';

const ACCOUNT = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const CONTACT = '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e';

/** A local account service whose behaviour each test sets. */
class FakeAccountService {
  readonly seen: URL[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly respond: (req: IncomingMessage, res: ServerResponse, url: URL) => void) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      this.seen.push(url);
      this.respond(req, res, url);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('ContactResolver', () => {
  let service: FakeAccountService | undefined;
  let resolver: ContactResolver | undefined;
  let outcomes: ContactLookupOutcome[];

  afterEach(async () => {
    resolver?.close();
    await service?.stop();
    service = undefined;
    resolver = undefined;
  });

  const resolverFor = (baseUrl: string, options: Partial<ContactResolverOptions> = {}) => {
    outcomes = [];
    resolver = new ContactResolver({
      baseUrl,
      timeoutMs: 1_000,
      concurrency: 16,
      cacheTtlMs: 60_000,
      negativeCacheTtlMs: 60_000,
      cacheMaxEntries: 100,
      onLookup: (outcome) => outcomes.push(outcome),
      ...options,
    });
    return resolver;
  };

  it('asks GET <base>/contacts/lookup with the account and the address, and reads {"id"}', async () => {
    service = await new FakeAccountService((_req, res, url) => {
      const known = url.pathname === '/api/contacts/lookup' && url.searchParams.get('address') === '+1 555 0100';
      res
        .writeHead(known ? 200 : 404, { 'content-type': 'application/json' })
        .end(known ? JSON.stringify({ id: CONTACT.toUpperCase() }) : '{}');
    }).start();
    const contacts = await resolverFor(`${service.url}/api/`).resolve([
      { account_id: ACCOUNT, address: '+1 555 0100' },
      { account_id: ACCOUNT, address: 'someone@example.com' },
    ]);

    expect(contacts.get(contactKey({ account_id: ACCOUNT, address: '+1 555 0100' }))).toBe(CONTACT);
    expect(contacts.get(contactKey({ account_id: ACCOUNT, address: 'someone@example.com' }))).toBeNull();
    expect(service.seen.map((url) => [url.pathname, url.searchParams.get('account_id'), url.searchParams.get('address')]).sort()).toEqual([
      ['/api/contacts/lookup', ACCOUNT, '+1 555 0100'],
      ['/api/contacts/lookup', ACCOUNT, 'someone@example.com'],
    ]);
    expect(outcomes.sort()).toEqual(['found', 'not_found']);
  });

  it('asks once per (account, address) within a call and remembers answers across calls', async () => {
    service = await new FakeAccountService((_req, res) => res.writeHead(404).end()).start();
    const contacts = resolverFor(service.url);
    const sameSender = { account_id: ACCOUNT, address: 'psid-1' };
    const otherAccount = { account_id: CONTACT, address: 'psid-1' };
    await contacts.resolve([sameSender, sameSender, otherAccount, sameSender]);
    await contacts.resolve([sameSender, otherAccount]);
    expect(service.seen).toHaveLength(2);
  });

  it('has at most `concurrency` look-ups in flight', async () => {
    const total = 50;
    const limit = 4;
    let inFlight = 0;
    let mostInFlight = 0;
    let answered = 0;
    const held: ServerResponse[] = [];
    service = await new FakeAccountService((_req, res) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      held.push(res);
      // Answer a group once it is as large as allowed (or is the last one): no timers.
      if (held.length === limit || answered + held.length === total) {
        for (const response of held.splice(0)) {
          inFlight -= 1;
          answered += 1;
          response.writeHead(404).end();
        }
      }
    }).start();

    const requests = Array.from({ length: total }, (_, i) => ({ account_id: ACCOUNT, address: `sender-${i}` }));
    const contacts = await resolverFor(service.url, { concurrency: limit, timeoutMs: 10_000 }).resolve(requests);

    expect(contacts.size).toBe(total);
    expect(mostInFlight).toBe(limit);
    expect(outcomes.filter((outcome) => outcome === 'not_found')).toHaveLength(total);
  });

  it('gives up on a service that does not answer in time, and skips what could not start before the deadline', async () => {
    service = await new FakeAccountService(() => undefined).start();
    const contacts = await resolverFor(service.url, { concurrency: 1, timeoutMs: 100 }).resolve([
      { account_id: ACCOUNT, address: 'a' },
      { account_id: ACCOUNT, address: 'b' },
      { account_id: ACCOUNT, address: 'c' },
    ]);
    expect([...contacts.values()]).toEqual([null, null, null]);
    expect(outcomes).toHaveLength(3);
    expect(outcomes).toContain('timeout');
    expect(outcomes).toContain('skipped');
  });

  it.each([
    ['a 500', (res: ServerResponse) => res.writeHead(500).end('oops')],
    ['a body without an id', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"contact":{}}')],
    [
      'an id that is not a UUID',
      (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"42; DROP"}'),
    ],
    ['a body that is not JSON', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>')],
    ['a redirect', (res: ServerResponse) => res.writeHead(302, { location: 'http://example.com/' }).end()],
  ])('answers null for %s, counted as an error and not remembered', async (_what, answer) => {
    service = await new FakeAccountService((_req, res) => answer(res)).start();
    const contacts = resolverFor(service.url);
    const request = { account_id: ACCOUNT, address: 'x' };
    expect((await contacts.resolve([request])).get(contactKey(request))).toBeNull();
    await contacts.resolve([request]);
    expect(outcomes).toEqual(['error', 'error']);
  });

  it('opens the circuit after consecutive failures of a service that is down, then stops asking', async () => {
    service = await new FakeAccountService(() => undefined).start();
    const downUrl = service.url;
    await service.stop();
    service = undefined;
    const contacts = resolverFor(downUrl, { concurrency: 1, breaker: { failureThreshold: 3, openMs: 60_000 } });
    const requests = Array.from({ length: 6 }, (_, i) => ({ account_id: ACCOUNT, address: `s${i}` }));

    const answers = await contacts.resolve(requests);
    expect([...answers.values()].every((contactId) => contactId === null)).toBe(true);
    expect(outcomes).toEqual(['error', 'error', 'error', 'circuit_open', 'circuit_open', 'circuit_open']);
  });
});

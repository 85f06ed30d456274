import { lookup as dnsLookup } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { classifyAddress, isAddressAllowed } from './address-class';
import { parseRetryAfter } from './retry-after';

export interface WebhookRequest {
  url: string;
  body: string | Buffer;
  headers: Record<string, string>;
}

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address a host name has now. */
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

export type DeliveryErrorClass = 'dns' | 'refused' | 'reset' | 'timeout' | 'tls' | 'blocked_address' | 'other';

/** What one attempt came to. Network failures are outcomes, never exceptions. */
export interface DeliveryOutcome {
  /** A 2xx answer. */
  ok: boolean;
  /** Null when no answer arrived. */
  status: number | null;
  /** The start of the answer's body (at most responseBodyLimit bytes), as UTF-8. */
  responseBody: string;
  errorClass: DeliveryErrorClass | null;
  /** A short message for people, null when an answer arrived. */
  error: string | null;
  durationMs: number;
  /** From the answer's Retry-After, when it has a readable one. */
  retryAfterMs: number | null;
}

export interface DeliveryOptions {
  /** Deadline on the whole attempt: resolving, connecting, TLS, and the answer. */
  timeoutMs?: number;
  /** OUTBOUND_ALLOW_PRIVATE_URLS. */
  allowPrivateNetworks?: boolean;
  /** Bytes of the answer's body kept; the rest is not read. */
  responseBodyLimit?: number;
  resolve?: HostResolver;
}

export interface WebhookSenderOptions extends DeliveryOptions {
  /** Open connections to one scheme+host+port at most; further requests queue. */
  maxSocketsPerOrigin?: number;
  /** Keep connections open between deliveries (default true). */
  keepAlive?: boolean;
}

export const DELIVERY_DEFAULTS = {
  timeoutMs: 10_000,
  responseBodyLimit: 2048,
  maxSocketsPerOrigin: 10,
} as const;

// Idle kept-alive sockets close before a typical server's own keep-alive timeout (Node's: 5 s),
// so a request is rarely written onto a socket the server is closing.
const IDLE_SOCKET_MS = 4_000;

const defaultResolve: HostResolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Why an attempt stopped before an answer; carried as the request's destroy error. */
class AttemptFailure extends Error {
  constructor(
    readonly errorClass: DeliveryErrorClass,
    message: string,
  ) {
    super(message);
  }
}

/**
 * POSTs webhooks over kept-alive connections, refusing destinations that resolve to addresses
 * that are not allowed. The request connects to exactly the addresses that were checked
 * (its lookup answers from the one resolution), so a name that re-resolves elsewhere
 * between check and connect (DNS rebinding) gains nothing. Redirects are never followed.
 */
export class WebhookSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly options: Required<DeliveryOptions>;

  constructor(options: WebhookSenderOptions = {}) {
    const keepAlive = options.keepAlive ?? true;
    const agentOptions = {
      keepAlive,
      maxSockets: options.maxSocketsPerOrigin ?? DELIVERY_DEFAULTS.maxSocketsPerOrigin,
      timeout: IDLE_SOCKET_MS,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.options = {
      timeoutMs: options.timeoutMs ?? DELIVERY_DEFAULTS.timeoutMs,
      allowPrivateNetworks: options.allowPrivateNetworks ?? false,
      responseBodyLimit: options.responseBodyLimit ?? DELIVERY_DEFAULTS.responseBodyLimit,
      resolve: options.resolve ?? defaultResolve,
    };
  }

  async send(request: WebhookRequest): Promise<DeliveryOutcome> {
    const started = performance.now();
    const finish = (partial: Omit<DeliveryOutcome, 'durationMs'>): DeliveryOutcome => ({
      ...partial,
      durationMs: Math.round(performance.now() - started),
    });
    const failed = (failure: AttemptFailure) =>
      finish({ ok: false, status: null, responseBody: '', errorClass: failure.errorClass, error: failure.message, retryAfterMs: null });

    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return failed(new AttemptFailure('other', 'the url is not an absolute URL'));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return failed(new AttemptFailure('other', 'the url is not http or https'));

    const deadline = started + this.options.timeoutMs;
    let addresses: ResolvedAddress[];
    try {
      addresses = await this.checkedAddresses(url, deadline);
    } catch (error) {
      return failed(error instanceof AttemptFailure ? error : new AttemptFailure('other', String(error)));
    }
    const answer = await this.post(url, addresses, request, deadline);
    return answer instanceof AttemptFailure ? failed(answer) : finish(answer);
  }

  /** Closes kept-alive connections; requests in flight are cut. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** The host's addresses, all allowed, from one resolution (an IP literal is its own). */
  private async checkedAddresses(url: URL, deadline: number): Promise<ResolvedAddress[]> {
    const host = bareHost(url);
    const family = isIP(host);
    const addresses = family !== 0 ? [{ address: host, family }] : await this.resolveBefore(host, deadline);
    if (addresses.length === 0) throw new AttemptFailure('dns', `${host} has no address`);
    for (const { address } of addresses) {
      if (!isAddressAllowed(address, this.options)) {
        const cls = classifyAddress(address) ?? 'unknown';
        throw new AttemptFailure(
          'blocked_address',
          `${host} is or resolves to a ${cls.replace('_', '-')} address (${address}), which is not allowed`,
        );
      }
    }
    return addresses;
  }

  private async resolveBefore(host: string, deadline: number): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new AttemptFailure('timeout', `resolving ${host} took longer than the deadline`)),
        deadline - performance.now(),
      );
    });
    try {
      return await Promise.race([this.options.resolve(host), timeout]);
    } catch (error) {
      if (error instanceof AttemptFailure) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new AttemptFailure('dns', `resolving ${host} failed${code ? ` (${code})` : ''}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private post(
    url: URL,
    addresses: ResolvedAddress[],
    request: WebhookRequest,
    deadline: number,
  ): Promise<Omit<DeliveryOutcome, 'durationMs'> | AttemptFailure> {
    const secure = url.protocol === 'https:';
    const host = bareHost(url);
    const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    // Answers from the resolution that was checked instead of asking DNS again.
    const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    };

    return new Promise((resolve) => {
      let phase: 'connect' | 'tls' | 'answer' = 'connect';
      let settled = false;
      let deadlineTimer: NodeJS.Timeout | undefined;
      const settle = (result: Omit<DeliveryOutcome, 'durationMs'> | AttemptFailure) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadlineTimer);
        resolve(result);
      };

      let req: http.ClientRequest;
      try {
        req = (secure ? https : http).request({
          protocol: url.protocol,
          hostname: host,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: { ...request.headers, 'content-length': String(body.length) },
          agent: secure ? this.httpsAgent : this.httpAgent,
          lookup,
          ...(secure && isIP(host) === 0 ? { servername: host } : {}),
        });
        // Armed once there is a request to end: a timer made before it would find none when Node refuses to build it.
        deadlineTimer = setTimeout(
          () => req.destroy(new AttemptFailure('timeout', `no answer within ${this.options.timeoutMs} ms`)),
          Math.max(0, deadline - performance.now()),
        );
      } catch (error) {
        // Refused before anything was sent (a header Node will not write): a failed attempt, not a thrown one.
        settle(classify(error as Error, 'connect'));
        return;
      }

      req.on('socket', (socket: Socket) => {
        // The lookup above makes this hold by construction; should a socket still reach an address that is not
        // allowed, no answer from it is taken. (A kept-alive socket's address was checked when it was opened.)
        const peerAllowed = () => {
          const peer = socket.remoteAddress;
          if (peer === undefined || isAddressAllowed(peer, this.options)) return true;
          req.destroy(new AttemptFailure('blocked_address', `connected to ${peer}, which is not allowed`));
          return false;
        };
        if (!socket.connecting) {
          if (peerAllowed()) phase = 'answer';
          return;
        }
        socket.once('connect', () => {
          if (peerAllowed()) phase = secure ? 'tls' : 'answer';
        });
        if (secure) socket.once('secureConnect', () => (phase = 'answer'));
      });

      // Once the answer's head arrived, a body cut short (reset, deadline) still counts as the answer.
      let answerCut: (() => void) | null = null;
      req.on('error', (error) => {
        if (answerCut) answerCut();
        else settle(error instanceof AttemptFailure ? error : classify(error, phase));
      });

      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const retryAfterMs = parseRetryAfter(headerText(res.headers['retry-after']), Date.now());
        const chunks: Buffer[] = [];
        let kept = 0;
        const answered = () =>
          settle({
            ok: status >= 200 && status < 300,
            status,
            responseBody: Buffer.concat(chunks).toString('utf8'),
            errorClass: null,
            error: null,
            retryAfterMs,
          });
        answerCut = answered;
        res.on('data', (chunk: Buffer) => {
          const room = this.options.responseBodyLimit - kept;
          chunks.push(chunk.subarray(0, room));
          kept += Math.min(room, chunk.length);
          if (kept >= this.options.responseBodyLimit) {
            answered();
            res.destroy(); // the rest is not read; the connection is not reused
          }
        });
        res.on('end', answered);
        res.on('error', answered);
        res.on('close', answered);
      });

      req.end(body);
    });
  }
}

/** One attempt over connections of its own, closed afterwards; a WebhookSender keeps them. */
export async function sendWebhook(request: WebhookRequest, options: WebhookSenderOptions = {}): Promise<DeliveryOutcome> {
  const sender = new WebhookSender({ ...options, keepAlive: false });
  try {
    return await sender.send(request);
  } finally {
    sender.close();
  }
}

function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/** Sorts a socket error by what the customer's operator would look at. */
function classify(error: Error, phase: 'connect' | 'tls' | 'answer'): AttemptFailure {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const detail = code ? `${error.message} (${code})` : error.message;
  if (TLS_CODES.test(code)) return new AttemptFailure('tls', `TLS failed: ${detail}`);
  if (code === 'ECONNREFUSED') return new AttemptFailure('refused', `connection refused: ${detail}`);
  if (code === 'ETIMEDOUT') return new AttemptFailure('timeout', `timed out: ${detail}`);
  // A server that hangs up during the handshake did not speak TLS to us.
  if (phase === 'tls') return new AttemptFailure('tls', `TLS handshake failed: ${detail}`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new AttemptFailure('reset', `connection reset: ${detail}`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new AttemptFailure('dns', `resolving failed: ${detail}`);
  return new AttemptFailure('other', detail);
}

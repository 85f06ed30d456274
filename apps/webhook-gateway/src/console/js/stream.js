import { api, WrongTokenError } from './api.js';

/** Reconnection delays: exponential from 1 s, capped at 30 s, with full jitter (a random wait between 0 and the cap). */
export const BACKOFF = { baseMs: 1_000, maxMs: 30_000 };
/** The server sends a heartbeat every 20 s; nothing for this long means the connection is dead even if TCP says not. */
const SILENCE_LIMIT_MS = 50_000;
/** A token this close to its expiry is minted again before a connection uses it. */
const TOKEN_MARGIN_MS = 10_000;
const TOKEN_TTL_SECONDS = 900;
const RECENT_KEPT = 500;

/** @param {number} attempt 0 for the first retry */
export function backoffDelay(attempt, random = Math.random) {
  return Math.floor(random() * Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** attempt));
}

/**
 * One account's realtime stream (docs/REALTIME.md). Dispatches:
 * - `state` (detail: 'connecting' | 'live' | 'offline') whenever the socket goes up or down,
 * - `event` (detail: `{ seq, event }`) for each event, replayed ones included, in seq order,
 * - `resync` when the server could not replay what was missed: pages reload their state.
 * Resumes with the last seq seen; mints a new token when the old one expired or the server refused it (4401).
 */
export class Stream extends EventTarget {
  /** @param {string} accountId */
  constructor(accountId) {
    super();
    this.accountId = accountId;
    /** @type {number | undefined} */
    this.lastSeq = undefined;
    /** @type {'connecting' | 'live' | 'offline'} */
    this.state = 'connecting';
    this.attempt = 0;
    this.stopped = false;
    /** @type {{ token: string, expiresAt: number } | undefined} */
    this.token = undefined;
    /** @type {WebSocket | undefined} */
    this.socket = undefined;
    this.retryTimer = undefined;
    this.silenceTimer = undefined;
    /** The last events received, oldest first, so a page opened later still shows them. */
    /** @type {Array<{ seq: number, event: any }>} */
    this.recent = [];
  }

  start() {
    this.stopped = false;
    void this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.silenceTimer);
    this.socket?.close(1000, 'console left the account');
    this.socket = undefined;
  }

  /** @param {'connecting' | 'live' | 'offline'} state */
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('state', { detail: state }));
  }

  async freshToken() {
    if (this.token && this.token.expiresAt - TOKEN_MARGIN_MS > Date.now()) return this.token.token;
    const minted = await api('POST', '/realtime/tokens', { body: { account_id: this.accountId, ttl_seconds: TOKEN_TTL_SECONDS } });
    this.token = { token: minted.token, expiresAt: Date.parse(minted.expires_at) };
    return this.token.token;
  }

  async connect() {
    if (this.stopped) return;
    let token;
    try {
      token = await this.freshToken();
    } catch (error) {
      if (error instanceof WrongTokenError) return this.stop();
      return this.retry();
    }
    if (this.stopped) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/realtime`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      const hello = { type: 'hello', token, ...(this.lastSeq !== undefined ? { last_seq: this.lastSeq } : {}) };
      socket.send(JSON.stringify(hello));
      this.watchSilence(socket);
    });
    socket.addEventListener('message', (message) => this.frame(socket, message.data));
    socket.addEventListener('close', (close) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearTimeout(this.silenceTimer);
      // 4401: the token expired or this replica does not know its key; the next attempt mints another.
      if (close.code === 4401) this.token = undefined;
      if (!this.stopped) this.retry();
    });
  }

  retry() {
    this.setState('offline');
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /** @param {WebSocket} socket */
  watchSilence(socket) {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => socket.close(4000, 'no heartbeat'), SILENCE_LIMIT_MS);
  }

  /** @param {WebSocket} socket @param {string} data */
  frame(socket, data) {
    this.watchSilence(socket);
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.type === 'event') {
      if (typeof frame.seq === 'number' && (this.lastSeq === undefined || frame.seq > this.lastSeq)) this.lastSeq = frame.seq;
      const item = { seq: frame.seq, event: frame.event };
      this.recent.push(item);
      if (this.recent.length > RECENT_KEPT) this.recent.splice(0, this.recent.length - RECENT_KEPT);
      this.dispatchEvent(new CustomEvent('event', { detail: item }));
    } else if (frame.type === 'ready') {
      // Without last_seq the stream starts from now: ready carries where "now" is.
      if (typeof frame.seq === 'number' && (this.lastSeq === undefined || frame.seq > this.lastSeq)) this.lastSeq = frame.seq;
      this.attempt = 0;
      this.setState('live');
    } else if (frame.type === 'resync_required') {
      this.dispatchEvent(new CustomEvent('resync'));
    }
  }
}

import type { DataSource } from 'typeorm';
import type { WebSocket } from 'ws';
import { eventFrame, type FeedEvent, type RealtimeFeed } from './realtime-feed';
import type { RealtimeMetrics } from './realtime-metrics';
import type { RealtimeTokens } from './realtime-tokens';

export const CLOSE_CODES = { unauthorized: 4401, tooSlow: 4408, goingAway: 1001 } as const;

export const SESSION_LIMITS = {
  helloTimeoutMs: 5_000,
  /** Bytes waiting in the socket beyond which a client counts as not keeping up. */
  maxBufferedBytes: 1024 * 1024,
  /** Live events held while a resume is being served. */
  maxHeldEvents: 10_000,
  replayPage: 500,
  /** Ids of events sent, to drop an event the relay published twice (with another seq). */
  sentIdsKept: 2_000,
  /** How long a client closed for being slow has to read what was queued before its close frame. */
  slowCloseMs: 15_000,
} as const;

interface Hello {
  token: unknown;
  last_seq?: unknown;
}

/**
 * One socket: authenticate with the first frame, serve the resume (outbox rows, then the feed's recent events), say
 * `ready`, then pass on live events in seq order. Live events that arrive during the resume are held and sent after it,
 * so nothing falls between the two (docs/REALTIME.md, "Resume without a gap").
 */
export class RealtimeSession {
  private accountId?: string;
  private lastSeq = 0;
  private held: FeedEvent[] | null = [];
  private readonly sentIds = new Set<string>();
  private unsubscribe?: () => void;
  private helloTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private alive = true;
  /** The code this side closed with: what the metrics count, even when the peer never read the close frame. */
  private codeSent?: number;
  private readonly gone: Promise<void>;
  /** Events sent since the last pong: the client has something to read that it has not acknowledged by reading. */
  private sentSincePong = false;
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly dataSource: DataSource,
    private readonly feed: RealtimeFeed,
    private readonly tokens: RealtimeTokens,
    private readonly metrics: RealtimeMetrics,
    private readonly onEnd: (session: RealtimeSession) => void,
    private readonly heartbeatMs: number,
  ) {
    this.helloTimer = setTimeout(
      () => void this.close(CLOSE_CODES.unauthorized, 'hello expected within 5 s'),
      SESSION_LIMITS.helloTimeoutMs,
    );
    socket.once('message', (data) => void this.hello(data.toString()));
    socket.on('pong', () => {
      this.alive = true;
      this.sentSincePong = false;
    });
    this.gone = new Promise((resolve) => socket.on('close', (code) => resolve(this.ended(code))));
    socket.on('error', () => socket.terminate());
  }

  /** Resolves once the socket is closed: the peer answered, or it was cut after a grace period. */
  close(code: number, reason: string): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.codeSent = code;
      this.socket.close(code, reason);
      // A peer that never answers the close handshake is cut; a slow one first gets time to read up to the close frame.
      setTimeout(() => this.socket.terminate(), code === CLOSE_CODES.tooSlow ? SESSION_LIMITS.slowCloseMs : 2_000).unref();
    }
    return this.gone;
  }

  private ended(code: number): void {
    clearTimeout(this.helloTimer);
    clearInterval(this.heartbeat);
    this.unsubscribe?.();
    this.closed = true;
    this.metrics.closes.inc({ code: String(this.codeSent ?? code) });
    this.onEnd(this);
  }

  private async hello(text: string): Promise<void> {
    clearTimeout(this.helloTimer);
    let hello: Hello | undefined;
    try {
      const parsed = JSON.parse(text) as { type?: unknown } & Hello;
      if (parsed && parsed.type === 'hello') hello = parsed;
    } catch {
      hello = undefined;
    }
    const accountId = hello ? this.tokens.verify(hello.token) : null;
    if (!hello || !accountId) return this.close(CLOSE_CODES.unauthorized, 'a valid token is required');
    const lastSeq = hello.last_seq;
    if (lastSeq !== undefined && lastSeq !== null && !(Number.isSafeInteger(lastSeq) && (lastSeq as number) >= 0)) {
      return this.close(CLOSE_CODES.unauthorized, 'last_seq must be a non-negative integer');
    }
    this.accountId = accountId;
    this.unsubscribe = this.feed.subscribe(accountId, (event) => this.live(event));
    this.socket.on('message', () => undefined); // later frames are not part of the protocol; ignored
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    try {
      await this.resume(typeof lastSeq === 'number' ? lastSeq : undefined);
    } catch {
      void this.close(1011, 'resume failed');
    }
  }

  private async resume(lastSeq: number | undefined): Promise<void> {
    const accountId = this.accountId as string;
    let from = lastSeq;
    if (from !== undefined) {
      this.metrics.replays.inc();
      const [oldest] = await this.dataSource.query<Array<{ seq: string | null }>>(
        `SELECT min(seq)::text AS seq FROM outbox_events WHERE seq IS NOT NULL`,
      );
      if (oldest?.seq != null && from < Number(oldest.seq) - 1) {
        // Events after last_seq were deleted: the client reloads its state, then follows from now.
        this.send('{"type":"resync_required"}');
        from = undefined;
      }
    }
    if (from === undefined) {
      // From now: after what is committed; events published but not committed yet come from the feed below.
      const [row] = await this.dataSource.query<Array<{ seq: string | null }>>(
        `SELECT max(seq)::text AS seq FROM outbox_events WHERE account_id = $1 AND seq IS NOT NULL`,
        [accountId],
      );
      this.lastSeq = Number(row?.seq ?? 0);
    } else {
      this.lastSeq = from;
      await this.replayFromOutbox(accountId);
    }
    for (const event of this.feed.recentAfter(accountId, this.lastSeq)) this.sendEvent(event, true);
    if (this.closed) return;
    this.send(`{"type":"ready","seq":${this.lastSeq}}`);
    const held = this.held ?? [];
    this.held = null;
    for (const event of held.sort((a, b) => a.seq - b.seq)) this.sendEvent(event, false);
  }

  private async replayFromOutbox(accountId: string): Promise<void> {
    for (;;) {
      const rows = await this.dataSource.query<Array<{ seq: string; id: string; payload: string }>>(
        `SELECT seq::text AS seq, id, payload::text AS payload FROM outbox_events
         WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT ${SESSION_LIMITS.replayPage}`,
        [accountId, this.lastSeq],
      );
      for (const row of rows) {
        const seq = Number(row.seq);
        this.sendEvent({ seq, id: row.id, accountId, frame: eventFrame(seq, row.payload) }, true);
      }
      if (this.closed || rows.length < SESSION_LIMITS.replayPage) return;
      await this.drained();
    }
  }

  private live(event: FeedEvent): void {
    if (this.held) {
      if (this.held.length >= SESSION_LIMITS.maxHeldEvents)
        return void this.close(CLOSE_CODES.tooSlow, 'too many events during the resume');
      this.held.push(event);
      return;
    }
    this.sendEvent(event, false);
  }

  private sendEvent(event: FeedEvent, replayed: boolean): void {
    if (this.closed || event.seq <= this.lastSeq || this.sentIds.has(event.id)) return;
    if (!replayed && this.socket.bufferedAmount > SESSION_LIMITS.maxBufferedBytes) {
      return void this.close(CLOSE_CODES.tooSlow, 'the client does not keep up; resume with last_seq');
    }
    this.lastSeq = event.seq;
    this.sentIds.add(event.id);
    if (this.sentIds.size > SESSION_LIMITS.sentIdsKept) this.sentIds.delete(this.sentIds.values().next().value as string);
    this.send(event.frame);
    this.sentSincePong = true;
    this.metrics.eventsSent.inc();
    if (replayed) this.metrics.replayedEvents.inc();
  }

  private send(frame: string): void {
    if (!this.closed) this.socket.send(frame);
  }

  /** Waits for the socket to take a replay page before the next, instead of buffering a day of events. */
  private async drained(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!this.closed && this.socket.bufferedAmount > SESSION_LIMITS.maxBufferedBytes / 4) {
      if (Date.now() > deadline) return void this.close(CLOSE_CODES.tooSlow, 'the client does not read the resume');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private beat(): void {
    if (!this.alive) {
      // The ping waits behind what the client has not read: no pong while events wait means it does not keep up.
      if (this.sentSincePong) return void this.close(CLOSE_CODES.tooSlow, 'the client does not keep up; resume with last_seq');
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
    this.send('{"type":"heartbeat"}');
  }
}

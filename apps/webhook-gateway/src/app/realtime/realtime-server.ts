import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway-config';
import { DATA_SOURCE } from '../infrastructure/infrastructure.module';
import { RealtimeFeed } from './realtime-feed';
import { RealtimeMetrics } from './realtime-metrics';
import { CLOSE_CODES, RealtimeSession } from './realtime-session';
import { RealtimeTokens } from './realtime-tokens';

export const REALTIME_PATH = '/realtime';
/** A frame larger than a hello is not one: the socket is closed (ws answers 1009). */
const MAX_FRAME_BYTES = 8 * 1024;

/** `GET /realtime` upgrades to a WebSocket; the check of the token is the first frame's (guards do not run on upgrades). */
@Injectable()
export class RealtimeServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly sessions = new Set<RealtimeSession>();
  private closing = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly feed: RealtimeFeed,
    private readonly tokens: RealtimeTokens,
    private readonly metrics: RealtimeMetrics,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    const http = this.adapterHost.httpAdapter.getHttpServer() as Server;
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node takes its own 'error' listener off the socket it hands over; without one, a reset ends the process.
      // ws adds its own on the upgraded socket.
      socket.on('error', () => socket.destroy());
      const path = (request.url ?? '').split('?')[0];
      if (path !== REALTIME_PATH || this.closing) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.server.handleUpgrade(request, socket, head, (ws) => {
        const session = new RealtimeSession(
          ws,
          this.dataSource,
          this.feed,
          this.tokens,
          this.metrics,
          (ended) => {
            this.sessions.delete(ended);
            this.metrics.connections.set(this.sessions.size);
          },
          this.config.realtimeHeartbeatMs,
        );
        this.sessions.add(session);
        this.metrics.connections.set(this.sessions.size);
      });
    });
  }

  /**
   * Says goodbye to every socket (1001), refuses new upgrades, and resolves once the sockets are gone. Called before the
   * HTTP server closes: upgraded sockets are not its connections any more, yet its close waits for them.
   */
  async closeAll(): Promise<void> {
    this.closing = true;
    const ended = [...this.sessions].map((session) => session.close(CLOSE_CODES.goingAway, 'the gateway is stopping'));
    await Promise.all(ended);
    this.server.close();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.closeAll();
  }
}

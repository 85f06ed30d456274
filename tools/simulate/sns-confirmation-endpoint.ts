/**
 * SNS's confirmation endpoint, for the subscription scenario: a local HTTP server on a free port
 * that records each `Action=ConfirmSubscription` request. The gateway visits the SubscribeURL of a
 * verified SubscriptionConfirmation; one signed with the development certificate may only point
 * at this machine (libs/adapters/src/ses/ses.development-certificate.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class SnsConfirmationEndpoint {
  /** The `Token` of each confirmation request received, in order. */
  readonly tokens: string[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
      if (req.method !== 'GET' || query.get('Action') !== 'ConfirmSubscription') {
        res.writeHead(404).end();
        return;
      }
      this.tokens.push(query.get('Token') ?? '');
      // The shape of SNS's answer; the gateway only needs a 2xx.
      res
        .writeHead(200, { 'content-type': 'text/xml' })
        .end('<ConfirmSubscriptionResponse><ConfirmSubscriptionResult/></ConfirmSubscriptionResponse>');
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simulator-sns`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

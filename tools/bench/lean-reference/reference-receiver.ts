/**
 * The lean reference's HTTP half (status-storm.bench.ts): node:http, the X-Hub-Signature-256 check over
 * the raw body, one persistent publish per status to a quorum queue, and 200 only after every confirm.
 * Nothing else: no channel look-up, no validation beyond what the fold needs, no spool, no metrics.
 */
import { connect } from 'amqplib';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { REFERENCE_EXCHANGE, REFERENCE_QUEUE } from './reference-topology';

interface WhatsAppStatus {
  id: string;
  status: string;
  timestamp: string;
}

function statusesOf(body: Buffer): WhatsAppStatus[] | undefined {
  try {
    const payload = JSON.parse(body.toString('utf8'));
    return payload.entry.flatMap((entry: { changes: Array<{ value: { statuses?: WhatsAppStatus[] } }> }) =>
      entry.changes.flatMap((change) => change.value.statuses ?? []),
    );
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const appSecret = process.env.APP_SECRET as string;
  const connection = await connect(process.env.RABBITMQ_URL as string, { noDelay: true });
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(REFERENCE_EXCHANGE, 'topic', { durable: true });
  await channel.assertQueue(REFERENCE_QUEUE, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(REFERENCE_QUEUE, REFERENCE_EXCHANGE, '#');

  const publish = (status: WhatsAppStatus) =>
    new Promise<void>((resolve, reject) => {
      const event = { event_id: randomUUID(), provider_message_id: status.id, status: status.status, timestamp: status.timestamp };
      channel.publish(
        REFERENCE_EXCHANGE,
        `status.${status.status}`,
        Buffer.from(JSON.stringify(event)),
        { persistent: true, contentType: 'application/json', messageId: event.event_id },
        (error) => (error ? reject(error) : resolve()),
      );
    });

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`);
      const given = Buffer.from(String(request.headers['x-hub-signature-256'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        response.writeHead(401).end();
        return;
      }
      const statuses = statusesOf(body);
      if (!statuses) {
        response.writeHead(400).end();
        return;
      }
      Promise.all(statuses.map(publish)).then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
        () => response.writeHead(503).end(),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
  process.once('SIGTERM', () => server.close(() => connection.close().then(() => process.exit(0))));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

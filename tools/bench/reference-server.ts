/**
 * The benchmark's reference: a bare Fastify server doing what the gateway must do per call
 * and nothing else: HMAC-SHA256 check over the raw body, one persistent publish to the
 * status exchange, answer 200 only after RabbitMQ's confirm. Run by gateway-load.bench.ts.
 */
import { connect } from 'amqplib';
import Fastify from 'fastify';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

async function main(): Promise<void> {
  const port = Number(process.env.PORT);
  const appSecret = process.env.APP_SECRET as string;
  // Same socket setting as the gateway's publisher (no Nagle delay).
  const connection = await connect(process.env.RABBITMQ_URL as string, { noDelay: true });
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange('message.status', 'topic', { durable: true });

  const app = Fastify({ bodyLimit: 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/webhooks/whatsapp/:channelId', async (request, reply) => {
    const body = request.body as Buffer;
    const header = String(request.headers['x-hub-signature-256'] ?? '');
    const expected = Buffer.from(`sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`);
    const given = Buffer.from(header);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.status(401).send({ error: 'unauthorized' });
    // An event of the gateway's size: the call's own bytes under a fresh id.
    const event = Buffer.from(JSON.stringify({ event_id: randomUUID(), payload: body.toString('utf8') }));
    await new Promise<void>((resolve, reject) =>
      channel.publish(
        'message.status',
        'message.status.delivered',
        event,
        { persistent: true, contentType: 'application/json' },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    return reply.send({ ok: true });
  });
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(() => connection.close())
      .then(() => process.exit(0));
  });
}

void main();

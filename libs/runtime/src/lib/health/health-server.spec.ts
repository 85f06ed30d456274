import { Registry } from 'prom-client';
import { startHealthServer } from './health-server';

describe('startHealthServer', () => {
  const started: Array<{ close: () => Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });

  it('reports a server error after it started and goes on answering, however many come', async () => {
    const health = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      service: 'health-spec',
      registry: new Registry(),
      checks: { database: async () => true },
    });
    started.push(health);
    const written: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      // As net.Server reports a failed accept (no file descriptor left): with no listener, the process would end.
      for (let i = 0; i < 2; i++) {
        expect(() => health.server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }))).not.toThrow();
      }
    } finally {
      stderr.mockRestore();
    }
    expect(written).toEqual(['health-spec: health server: accept EMFILE\n', 'health-spec: health server: accept EMFILE\n']);
    const live = await fetch(`http://127.0.0.1:${health.port}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${health.port}/health/ready`);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'up' }, service: 'health-spec' });
  });

  it('fails to start on a port already taken, with the error', async () => {
    const first = await startHealthServer({ port: 0, host: '127.0.0.1', service: 'a', registry: new Registry(), checks: {} });
    started.push(first);
    await expect(
      startHealthServer({ port: first.port, host: '127.0.0.1', service: 'b', registry: new Registry(), checks: {} }),
    ).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

import { checkReadiness } from './readiness';

describe('checkReadiness', () => {
  it('is ready only when every check is up', async () => {
    await expect(checkReadiness({ a: async () => true, b: async () => true })).resolves.toEqual({
      status: 'ready',
      checks: { a: 'up', b: 'up' },
    });
    await expect(checkReadiness({ a: async () => true, b: async () => false })).resolves.toEqual({
      status: 'not_ready',
      checks: { a: 'up', b: 'down' },
    });
  });

  it('reads a throwing or hanging check as down', async () => {
    const report = await checkReadiness(
      {
        throws: async () => {
          throw new Error('connection refused');
        },
        hangs: () => new Promise<boolean>(() => undefined),
      },
      50,
    );
    expect(report).toEqual({ status: 'not_ready', checks: { throws: 'down', hangs: 'down' } });
  });
});

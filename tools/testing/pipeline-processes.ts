import { freePort, killIfRunning, startBuiltApp, type AppProcess } from './app-process';
import { waitFor } from './wait-for';

export interface RunningPipeline {
  /** The gateway's origin, `http://127.0.0.1:<port>`. */
  gateway: string;
  apps: AppProcess[];
  /** SIGTERM to every app, then SIGKILL to any still running after 10 s. */
  stop: () => Promise<void>;
}

/**
 * The four built apps as processes on one database and vhost, each ready before this resolves. `common` goes to every
 * app, `gatewayEnv` to the gateway only; the workers and the dispatcher poll quickly, as a test wants.
 */
export async function startPipeline(common: Record<string, string>, gatewayEnv: Record<string, string> = {}): Promise<RunningPipeline> {
  const apps: AppProcess[] = [];
  const stop = async () => {
    for (const app of apps) if (app.child.exitCode === null) app.child.kill('SIGTERM');
    for (const app of apps) {
      await Promise.race([app.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await killIfRunning(app);
    }
  };
  try {
    const port = await freePort();
    const gateway = `http://127.0.0.1:${port}`;
    apps.push(startBuiltApp('webhook-gateway', { ...common, ...gatewayEnv, PORT: String(port) }));
    const health: string[] = [gateway];
    for (const app of ['status-worker', 'inbound-worker', 'event-dispatcher']) {
      const healthPort = await freePort();
      health.push(`http://127.0.0.1:${healthPort}`);
      apps.push(startBuiltApp(app, { ...common, HEALTH_PORT: String(healthPort), OUTBOX_POLL_MS: '20', DELIVERY_POLL_MS: '200' }));
    }
    for (const origin of health) {
      await waitFor(async () => (await fetch(`${origin}/health/ready`)).ok, { timeoutMs: 30_000, description: `${origin} to be ready` });
    }
    return { gateway, apps, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

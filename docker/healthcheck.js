// HEALTHCHECK of the app images: GET /health/live on the app's own port and exit 0 (healthy)
// or 1 (unhealthy), as Docker expects. Node's fetch, because slim images have no curl.
// The gateway serves its health routes on PORT, a worker on HEALTH_PORT (docs/CONTRACTS.md, "Configuration").
'use strict';

const DEFAULT_PORTS = { 'webhook-gateway': 3000, 'status-worker': 3001, 'inbound-worker': 3002, 'event-dispatcher': 3004 };

/** The port the app in this image listens on for /health/live, or undefined if unknown. */
function healthPort(env) {
  const app = env.APP_NAME;
  if (!(app in DEFAULT_PORTS)) return undefined;
  const configured = (app === 'webhook-gateway' ? env.PORT : env.HEALTH_PORT) || '';
  if (configured.trim() === '') return DEFAULT_PORTS[app];
  const port = Number(configured);
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : undefined;
}

async function isLive(port, timeoutMs) {
  const response = await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(timeoutMs) });
  return response.ok;
}

if (require.main === module) {
  const port = healthPort(process.env);
  if (port === undefined) {
    process.stderr.write('healthcheck: no health port for APP_NAME/PORT/HEALTH_PORT\n');
    process.exit(1);
  }
  isLive(port, 3000).then(
    (live) => process.exit(live ? 0 : 1),
    () => process.exit(1),
  );
}

module.exports = { healthPort, isLive };

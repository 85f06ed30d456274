#!/usr/bin/env node
// `npm start`: the whole local pipeline. Installs dependencies if missing, makes sure
// PostgreSQL and RabbitMQ answer at DATABASE_URL / RABBITMQ_URL (starting the local services,
// or docker/compose.yml where Docker is present), migrates, builds, and runs the gateway, both
// workers and the event dispatcher with prefixed, readable logs until Ctrl-C. An admin token,
// a credentials key, a realtime token key and an SNS development certificate are generated once and kept in `.env`;
// every app gets the same environment, in which subscriber URLs on this machine are allowed
// (local-env.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { localEnvironment, pipelineEnvironment } from './local-env.mjs';

const root = new URL('../..', import.meta.url).pathname;
const local = localEnvironment(root, process.env);
const env = pipelineEnvironment(local.env);
// Any UUID will do as the account of local demo channels.
const DEMO_ACCOUNT_ID = '00000000-0000-4000-8000-000000000001';
const say = (line) => process.stdout.write(`[start] ${line}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options });
  return result.status === 0;
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function waitUntil(check, seconds) {
  for (let i = 0; i < seconds; i++) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}

function isLocal(url) {
  return ['127.0.0.1', 'localhost', '::1'].includes(new URL(url).hostname);
}

async function ensureService(name, url, defaultPort, localStart, composeService) {
  if (await reachable(url, defaultPort)) return;
  if (isLocal(url) && localStart && has(localStart[0])) {
    say(`${name} is not answering at ${new URL(url).host}; starting the local service`);
    run('sh', ['-c', localStart.join(' ')]);
  } else if (has('docker') && spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) {
    say(`${name} is not answering; starting it from docker/compose.yml`);
    run('docker', ['compose', '-f', 'docker/compose.yml', 'up', '-d', composeService]);
  } else {
    say(`${name} is not reachable at ${new URL(url).host}, there is no local ${name} to start, and no Docker.`);
    say(`Start ${name} yourself, or point ${name === 'PostgreSQL' ? 'DATABASE_URL' : 'RABBITMQ_URL'} at a running one.`);
    process.exit(1);
  }
  if (!(await waitUntil(() => reachable(url, defaultPort), 60))) {
    say(`${name} did not come up at ${new URL(url).host} within 60 s`);
    process.exit(1);
  }
}

const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Turns a pino JSON line into "12:00:01 INFO message key=value"; other lines pass as they are. */
function readable(line) {
  try {
    const { time, level, msg, pid: _pid, hostname: _host, service: _service, ...rest } = JSON.parse(line);
    const when = new Date(time).toISOString().slice(11, 19);
    const extra = Object.entries(rest)
      .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
      .join(' ');
    return `${when} ${LEVELS[level] ?? level} ${msg ?? ''}${extra ? ` ${extra}` : ''}`;
  } catch {
    return line;
  }
}

async function main() {
  if (!existsSync(join(root, 'node_modules', '.bin', 'nx'))) {
    say('installing dependencies (npm ci)');
    if (!run('npm', ['ci', '--no-audit', '--no-fund'])) process.exit(1);
  }
  const pgVersion = existsSync('/etc/postgresql') ? spawnSync('ls', ['/etc/postgresql']).stdout.toString().split('\n')[0] : '';
  await ensureService(
    'PostgreSQL',
    env.DATABASE_URL,
    5432,
    pgVersion && ['pg_ctlcluster', '--skip-systemctl-redirect', pgVersion, 'main', 'start'],
    'postgres',
  );
  await ensureService('RabbitMQ', env.RABBITMQ_URL, 5672, ['rabbitmq-server', '-detached'], 'rabbitmq');

  say('applying migrations');
  if (!run('npm', ['run', '--silent', 'db:migrate'])) process.exit(1);
  say('building the apps');
  if (
    !run(join(root, 'node_modules', '.bin', 'nx'), [
      'run-many',
      '-t',
      'build',
      '-p',
      'webhook-gateway',
      'status-worker',
      'inbound-worker',
      'event-dispatcher',
      '--outputStyle=static',
    ])
  ) {
    process.exit(1);
  }

  const apps = [
    ['gateway', 'webhook-gateway'],
    ['status ', 'status-worker'],
    ['inbound', 'inbound-worker'],
    ['events ', 'event-dispatcher'],
  ];
  const children = apps.map(([prefix, app]) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'main.js')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${prefix}] ${readable(line)}\n`));
    }
    child.on('exit', (code, signal) => {
      process.stdout.write(`[${prefix}] exited (${code ?? signal})\n`);
      if (!stopping) shutdown(1);
    });
    return child;
  });
  const gateway = `http://localhost:${env.PORT ?? 3000}`;
  if (local.generated.length > 0) say(`generated ${local.generated.join(', ')} into .env (kept for the next start)`);
  say(`gateway on ${gateway} (health: /health/ready); Ctrl-C stops everything`);
  say(`admin API token: ${env.ADMIN_API_TOKEN}`);
  say(`operator console: ${gateway}/console (log in with the token)`);
  if (env.OUTBOUND_ALLOW_PRIVATE_URLS === 'true') say('subscriber webhooks may point at this machine (OUTBOUND_ALLOW_PRIVATE_URLS=true)');
  if (env.SNS_DEV_CERTIFICATE_FILE)
    say('SES notifications signed on this machine are trusted (SNS_DEV_CERTIFICATE_FILE; npm run simulate -- ses)');
  say('send sample traffic (a signed WhatsApp message; see README, "Send test traffic"):');
  say('  npm run simulate -- whatsapp');
  say('or create a channel yourself:');
  say(`  curl -s -X POST ${gateway}/channels -H 'authorization: Bearer ${env.ADMIN_API_TOKEN}' -H 'content-type: application/json' \\`);
  say(
    `    -d '{"account_id":"${DEMO_ACCOUNT_ID}","channel_type":"whatsapp","name":"demo","credentials":{"app_secret":"demo-app-secret"}}'`,
  );

  let stopping = false;
  function shutdown(code) {
    if (stopping) return;
    stopping = true;
    say('stopping');
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    Promise.all(children.map((child) => (child.exitCode !== null ? null : new Promise((resolve) => child.once('exit', resolve))))).then(
      () => process.exit(code),
    );
  }
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
}

main().catch((error) => {
  say(`failed: ${error.message}`);
  process.exit(1);
});

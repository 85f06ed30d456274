/**
 * docker/: the Dockerfile (lint plus our own rules: no Docker engine or hadolint here),
 * .dockerignore, the image health check script, and the compose stack's wiring.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import { parse } from 'yaml';
import { APPS, envNamesOf, WORKSPACE_ROOT, type Deployable } from './app-env';
import { parseImage } from './kustomize-build';

const dockerfileText = readFileSync(join(WORKSPACE_ROOT, 'docker/Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(dockerfileText);

interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

const stages: Stage[] = [];
for (const instruction of dockerfile.getInstructions()) {
  if (instruction.getKeyword() === 'FROM') {
    const [from, , name] = instruction.getArguments().map((argument) => argument.getValue());
    stages.push({ name: name ?? String(stages.length), from, instructions: [] });
  } else {
    stages[stages.length - 1]?.instructions.push(instruction);
  }
}

function stage(name: string): Stage {
  const found = stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no stage ${name} in docker/Dockerfile`);
  return found;
}

function instructions(target: Stage, keyword: string): Instruction[] {
  return target.instructions.filter((instruction) => instruction.getKeyword() === keyword);
}

/** The stages a target is built from, itself included. */
function lineage(name: string): Stage[] {
  const chain: Stage[] = [];
  for (let current: Stage | undefined = stage(name); current; current = stages.find((candidate) => candidate.name === current?.from))
    chain.push(current);
  return chain;
}

function isDockerignored(path: string, patterns: string[]): boolean {
  // Docker's rules: rooted at the context, `*` within one path element, `**/` any depth; a
  // pattern that matches a directory excludes what is inside it.
  const toRegExp = (pattern: string) =>
    new RegExp(
      `^${pattern
        .split('**/')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('(?:.*/)?')}(?:/.*)?$`,
    );
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (toRegExp(negated ? pattern.slice(1) : pattern).test(path)) ignored = !negated;
  }
  return ignored;
}

describe('docker/Dockerfile', () => {
  it('passes the Dockerfile linter with every check an error', () => {
    const strict = ValidationSeverity.ERROR;
    const problems = validate(dockerfileText, {
      deprecatedMaintainer: strict,
      directiveCasing: strict,
      emptyContinuationLine: strict,
      instructionCasing: strict,
      instructionCmdMultiple: strict,
      instructionEntrypointMultiple: strict,
      instructionHealthcheckMultiple: strict,
      instructionJSONInSingleQuotes: strict,
      instructionWorkdirRelative: strict,
    });
    expect(problems.map((problem) => `line ${problem.range.start.line + 1}: ${problem.message}`)).toEqual([]);
  });

  it('starts every stage from an earlier stage or a base image pinned to a version tag', () => {
    for (const { name, from } of stages) {
      if (stages.some((earlier) => earlier.name === from)) continue;
      const image = parseImage(from);
      const pinned = image.digest !== undefined || (image.tag !== undefined && /^\d+\.\d+/.test(image.tag));
      expect([name, from, pinned]).toEqual([name, from, true]);
    }
    expect(dockerfileText).not.toMatch(/:latest\b/);
  });

  it('ends with the app runtime, which holds only the app bundle and production dependencies', () => {
    const runtime = stages[stages.length - 1];
    expect(runtime.name).toBe('runtime');
    expect(lineage('runtime').map((candidate) => candidate.name)).toEqual(['runtime', 'base']);
    const copies = instructions(runtime, 'COPY').map((instruction) => instruction.getArgumentsContent());
    expect(copies).toEqual([
      '/app/node_modules ./node_modules',
      '/workspace/dist/apps/${APP}/ ./',
      'docker/healthcheck.js ./healthcheck.js',
    ]);
    expect(instructions(runtime, 'COPY').map((instruction) => (instruction as Copy).getFromFlag()?.getValue() ?? null)).toEqual([
      'app-deps',
      'build',
      null,
    ]);
    const install = instructions(stage('app-deps'), 'RUN').map((instruction) => instruction.getArgumentsContent());
    expect(install).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
    expect(
      instructions(stage('build'), 'RUN').some((instruction) => /npx nx build "\$APP"/.test(instruction.getArgumentsContent() ?? '')),
    ).toBe(true);
  });

  it('builds a migration image with production dependencies only', () => {
    const migrate = stage('migrate');
    expect(lineage('migrate').map((candidate) => candidate.name)).toEqual(['migrate', 'base']);
    expect(instructions(migrate, 'RUN').map((instruction) => instruction.getArgumentsContent())).toEqual([
      expect.stringMatching(/^npm ci --omit=dev\b/),
    ]);
    expect(instructions(migrate, 'CMD').map((instruction) => instruction.getArgumentsContent())).toEqual([
      '["node", "--enable-source-maps", "migrate.js", "up"]',
    ]);
  });

  it.each(['runtime', 'migrate'])('runs the %s stage as a numeric non-root user, in exec form', (name) => {
    const target = stage(name);
    const keywords = target.instructions.map((instruction) => instruction.getKeyword());
    const users = instructions(target, 'USER').map((instruction) => instruction.getArgumentsContent() ?? '');
    expect(users).toHaveLength(1);
    // Numeric, so Kubernetes' runAsNonRoot can check it; not uid 0.
    expect(users[0]).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    expect(keywords.indexOf('USER')).toBeLessThan(keywords.indexOf('CMD'));
    const [cmd] = instructions(target, 'CMD').map((instruction) => JSON.parse(instruction.getArgumentsContent() ?? '') as string[]);
    // Exec form: node is PID 1 and gets SIGTERM itself.
    expect(cmd[0]).toBe('node');
    expect(keywords).not.toContain('ENTRYPOINT');
  });

  it('checks the runtime health with node (slim images have no curl)', () => {
    const healthchecks = instructions(stage('runtime'), 'HEALTHCHECK').map((instruction) => instruction.getArgumentsContent() ?? '');
    expect(healthchecks).toEqual([expect.stringMatching(/^CMD \["node", "healthcheck\.js"\]$/)]);
    const commands = dockerfile.getInstructions().map((instruction) => instruction.getArgumentsContent() ?? '');
    expect(commands.filter((command) => /\b(curl|wget)\b/.test(command))).toEqual([]);
  });

  it('sends the build everything it copies, and not node_modules, dist, .git, .env files or the SNS development key', () => {
    const patterns = readFileSync(join(WORKSPACE_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const needed = [
      'package.json',
      'package-lock.json',
      'nx.json',
      'tsconfig.base.json',
      'apps/webhook-gateway/src/main.ts',
      'apps/webhook-gateway/project.json',
      'libs/domain/src/index.ts',
      'tools/db/migrate.ts',
      'tools/deploy/migrate.webpack.config.js',
      'tools/deploy/apply-root-overrides.mjs',
      'docker/healthcheck.js',
    ];
    for (const path of needed) {
      expect([path, existsSync(join(WORKSPACE_ROOT, path))]).toEqual([path, true]);
      expect([path, isDockerignored(path, patterns)]).toEqual([path, false]);
    }
    for (const path of [
      'node_modules/nx/package.json',
      'libs/domain/node_modules/x',
      'dist/apps/webhook-gateway/main.js',
      '.git/HEAD',
      '.env',
      '.env.local',
      '.sns-dev/private-key.pem',
      '.nx/cache/x',
      'tmp/x',
    ]) {
      expect([path, isDockerignored(path, patterns)]).toEqual([path, true]);
    }
  });
});

describe('docker/healthcheck.js', () => {
  const { healthPort } = require(join(WORKSPACE_ROOT, 'docker/healthcheck.js')) as {
    healthPort(env: Record<string, string | undefined>): number | undefined;
  };
  let server: Server;
  let status = 200;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === '/health/live' ? status : 404);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function runCheck(env: Record<string, string>): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'docker/healthcheck.js')], {
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: 'ignore',
      });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
  }

  it("finds the gateway on PORT and the workers on HEALTH_PORT, with the apps' defaults", () => {
    expect(healthPort({ APP_NAME: 'webhook-gateway' })).toBe(3000);
    expect(healthPort({ APP_NAME: 'webhook-gateway', PORT: '8080', HEALTH_PORT: '9' })).toBe(8080);
    expect(healthPort({ APP_NAME: 'status-worker' })).toBe(3001);
    expect(healthPort({ APP_NAME: 'inbound-worker' })).toBe(3002);
    expect(healthPort({ APP_NAME: 'inbound-worker', HEALTH_PORT: '9102', PORT: '1' })).toBe(9102);
    expect(healthPort({ APP_NAME: 'event-dispatcher' })).toBe(3004);
    expect(healthPort({ APP_NAME: 'event-dispatcher', HEALTH_PORT: '9104', PORT: '1' })).toBe(9104);
    expect(healthPort({ APP_NAME: 'status-worker', HEALTH_PORT: 'abc' })).toBeUndefined();
    expect(healthPort({})).toBeUndefined();
  });

  it('exits 0 when /health/live answers 200, 1 otherwise', async () => {
    status = 200;
    expect(await runCheck({ APP_NAME: 'webhook-gateway', PORT: String(port) })).toBe(0);
    expect(await runCheck({ APP_NAME: 'status-worker', HEALTH_PORT: String(port) })).toBe(0);
    status = 503;
    expect(await runCheck({ APP_NAME: 'webhook-gateway', PORT: String(port) })).toBe(1);
    expect(await runCheck({ APP_NAME: 'unknown-app' })).toBe(1);
  });

  it('exits 1 when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await runCheck({ APP_NAME: 'inbound-worker', HEALTH_PORT: String(freePort) })).toBe(1);
  });
});

describe('docker/compose.yml', () => {
  interface ComposeService {
    image?: string;
    build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
    environment?: Record<string, unknown>;
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
    ports?: string[];
    restart?: string;
  }
  const compose = parse(readFileSync(join(WORKSPACE_ROOT, 'docker/compose.yml'), 'utf8'), { merge: true }) as {
    name: string;
    services: Record<string, ComposeService>;
  };
  const services = compose.services;
  const built = Object.entries(services).filter(([, service]) => service.build);

  it('runs the whole stack: PostgreSQL, RabbitMQ with management, the migration and the four apps', () => {
    expect(Object.keys(services).sort()).toEqual([
      'event-dispatcher',
      'inbound-worker',
      'migrate',
      'postgres',
      'rabbitmq',
      'status-worker',
      'webhook-gateway',
    ]);
    expect(services.rabbitmq.image).toMatch(/^rabbitmq:[\d.]+-management/);
    expect(compose.name).toBe('messaging-inbound');
  });

  it('pins the pulled images and tags the built ones other than latest', () => {
    for (const [name, service] of Object.entries(services)) {
      const image = parseImage(service.image ?? '');
      if (service.build) expect([name, image.tag !== undefined && image.tag !== 'latest']).toEqual([name, true]);
      // A release, not a moving major tag: at least major.minor (PostgreSQL's are two-part).
      else expect([name, /^\d+\.\d+/.test(image.tag ?? '')]).toEqual([name, true]);
    }
  });

  it('builds each app from its Dockerfile target, with APP naming the service', () => {
    const stageNames = stages.map((candidate) => candidate.name);
    for (const [name, service] of built) {
      expect(service.build?.dockerfile).toBe('docker/Dockerfile');
      expect(existsSync(join(WORKSPACE_ROOT, 'docker', service.build?.context ?? '', 'package.json'))).toBe(true);
      expect(stageNames).toContain(service.build?.target);
      if (name === 'migrate') expect(service.build?.target).toBe('migrate');
      else expect([name, service.build?.target, service.build?.args?.APP]).toEqual([name, 'runtime', name]);
    }
  });

  it('starts the apps after a successful migration and healthy infrastructure', () => {
    expect(services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.migrate.restart).toBe('no');
    for (const app of APPS) {
      expect([app, services[app].depends_on]).toEqual([
        app,
        {
          migrate: { condition: 'service_completed_successfully' },
          postgres: { condition: 'service_healthy' },
          rabbitmq: { condition: 'service_healthy' },
        },
      ]);
    }
  });

  it('health-checks every long-running service', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'migrate') expect([name, Array.isArray(service.healthcheck?.test)]).toEqual([name, true]);
    }
    for (const app of APPS) expect(services[app].healthcheck?.test).toEqual(['CMD', 'node', 'healthcheck.js']);
  });

  it('sets only env names each process reads, as strings, wired to the compose hosts', () => {
    for (const [name, service] of built) {
      const known = envNamesOf(name as Deployable);
      for (const [variable, value] of Object.entries(service.environment ?? {})) {
        expect([name, variable, known.has(variable), typeof value]).toEqual([name, variable, true, 'string']);
      }
      const environment = service.environment as Record<string, string>;
      expect(new URL(environment.DATABASE_URL).hostname).toBe('postgres');
      if (name !== 'migrate') expect(new URL(environment.RABBITMQ_URL).hostname).toBe('rabbitmq');
    }
  });

  it('gives the gateway and the dispatcher the same credentials key and private-URL switch, off unless asked for', () => {
    const gateway = services['webhook-gateway'].environment as Record<string, string>;
    const dispatcher = services['event-dispatcher'].environment as Record<string, string>;
    // The dispatcher opens the subscriber secrets the gateway sealed; the gateway checks a URL
    // when it is stored, the dispatcher when it connects.
    for (const name of ['CREDENTIALS_KEY', 'OUTBOUND_ALLOW_PRIVATE_URLS']) expect([name, dispatcher[name]]).toEqual([name, gateway[name]]);
    expect(gateway.OUTBOUND_ALLOW_PRIVATE_URLS).toBe('${OUTBOUND_ALLOW_PRIVATE_URLS:-false}');
  });

  it('publishes each app on the port it serves', () => {
    const portVariable: Record<string, string> = {
      'webhook-gateway': 'PORT',
      'status-worker': 'HEALTH_PORT',
      'inbound-worker': 'HEALTH_PORT',
      'event-dispatcher': 'HEALTH_PORT',
    };
    for (const app of APPS) {
      const port = (services[app].environment as Record<string, string>)[portVariable[app]];
      expect([app, services[app].ports]).toEqual([app, [`127.0.0.1:${port}:${port}`]]);
    }
  });
});

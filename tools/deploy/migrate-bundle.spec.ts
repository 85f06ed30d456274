/**
 * The migrate image's entry: tools/db/migrate.ts bundled by
 * tools/deploy/migrate.webpack.config.js. It must need production dependencies only, and
 * migrate a fresh database (against the local PostgreSQL, in a database of its own).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import webpack, { type Configuration } from 'webpack';
import { WORKSPACE_ROOT } from './app-env';

const baseUrl = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/messaging');

describe('migrate bundle', () => {
  const outputDir = mkdtempSync(join(tmpdir(), 'migrate-bundle-'));
  const database = `deploy_migrate_${process.pid}_${Date.now().toString(36)}`;
  const databaseUrl = Object.assign(new URL(baseUrl.href), { pathname: `/${database}` }).href;
  let bundle = '';

  beforeAll(async () => {
    const config = require(join(WORKSPACE_ROOT, 'tools/deploy/migrate.webpack.config.js')) as Configuration;
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      webpack({ ...config, output: { ...config.output, path: outputDir } }, (error, result) =>
        error || !result ? reject(error) : resolve(result),
      ),
    );
    expect(stats.toJson({ all: false, errors: true }).errors ?? []).toEqual([]);
    bundle = readFileSync(join(outputDir, 'migrate.js'), 'utf8');
  });

  afterAll(async () => {
    rmSync(outputDir, { recursive: true, force: true });
    const admin = new Client({ connectionString: Object.assign(new URL(baseUrl.href), { pathname: '/postgres' }).href });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
    } finally {
      await admin.end();
    }
  });

  function migrate(): { status: number | null; output: string } {
    const result = spawnSync(process.execPath, [join(outputDir, 'migrate.js'), 'up'], {
      cwd: WORKSPACE_ROOT,
      // The bundle sits outside the workspace; its packages come from the workspace's install.
      env: { PATH: process.env.PATH ?? '', NODE_PATH: join(WORKSPACE_ROOT, 'node_modules'), DATABASE_URL: databaseUrl },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  }

  it("requires only Node built-ins and the workspace's production dependencies", () => {
    const { dependencies } = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const required = [...bundle.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
    expect(required).toContain('typeorm');
    for (const name of required) {
      const packageName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
      expect([name, name.startsWith('node:') || packageName in dependencies]).toEqual([name, true]);
    }
  });

  it('creates the database, applies the migrations, and is a no-op the second time', () => {
    const first = migrate();
    expect(first).toEqual({ status: 0, output: expect.stringContaining(`created database ${database}`) });
    expect(first.output).toMatch(/^applied \S+/m);
    const second = migrate();
    expect(second).toEqual({ status: 0, output: `database ${database} is up to date\n` });
  });
});

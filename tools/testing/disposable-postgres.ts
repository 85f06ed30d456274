import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './app-process';
import { cleanUpOnExit } from './exit-cleanup';

const run = promisify(execFile);

/** PG_BIN_DIR, else the PATH, else the newest /usr/lib/postgresql/<version>/bin (Debian). */
function postgresBinary(name: 'initdb' | 'pg_ctl'): string {
  const candidates = [
    ...(process.env.PG_BIN_DIR ? [process.env.PG_BIN_DIR] : []),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((version) => /^\d+$/.test(version))
          .sort((a, b) => Number(b) - Number(a))
          .map((version) => join('/usr/lib/postgresql', version, 'bin'))
      : []),
  ];
  const found = candidates.map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (!found) throw new Error(`${name} not found: install PostgreSQL's server package or set PG_BIN_DIR`);
  return found;
}

/** initdb refuses to run as root: as root, the cluster belongs to this system user. */
const CLUSTER_OWNER = process.env.PG_TEST_OS_USER ?? 'postgres';

/**
 * A PostgreSQL cluster of a test's own (initdb in a temporary folder, its own port and socket
 * directory, trust authentication), so a test can stop and start a database server without
 * touching the shared one. `start()` after `stop()` brings the same cluster back.
 */
export class DisposablePostgres {
  readonly folder = mkdtempSync(join(tmpdir(), 'fault-postgres-'));
  private readonly dataDir = join(this.folder, 'data');
  private readonly logFile = join(this.folder, 'postgres.log');
  private readonly initdb = postgresBinary('initdb');
  private readonly pgCtl = postgresBinary('pg_ctl');
  private readonly asOwner: string[];
  private isRunning = false;
  private removed = false;
  private readonly forgetCleanup: () => void;

  private constructor(readonly port: number) {
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', CLUSTER_OWNER]).toString());
      const gid = Number(execFileSync('id', ['-g', CLUSTER_OWNER]).toString());
      chownSync(this.folder, uid, gid);
      this.asOwner = ['runuser', '-u', CLUSTER_OWNER, '--'];
    } else {
      this.asOwner = [];
    }
    this.forgetCleanup = cleanUpOnExit(() => this.removeNow());
  }

  static async start(): Promise<DisposablePostgres> {
    const server = new DisposablePostgres(await freePort());
    try {
      await server.asClusterOwner(server.initdb, [
        '-D',
        server.dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
      ]);
      appendFileSync(
        join(server.dataDir, 'postgresql.conf'),
        [
          '',
          `port = ${server.port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${server.folder}'`,
          'max_connections = 200',
          // Thrown away after the run, and every stop is a clean shutdown: durability settings
          // would only cost time on a shared machine.
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          '',
        ].join('\n'),
      );
      await server.start();
      return server;
    } catch (error) {
      await server.remove().catch(() => undefined);
      throw error;
    }
  }

  /** The `postgres` database as the superuser `postgres`. */
  get url(): string {
    return this.urlFor('postgres');
  }

  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  get running(): boolean {
    return this.isRunning;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
    return this.urlFor(name);
  }

  /** Starts the cluster (again); resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.isRunning) return;
    if (this.removed) throw new Error(`${this.folder} was removed`);
    await this.asClusterOwner(this.pgCtl, ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
    this.isRunning = true;
  }

  /** Fast shutdown: open transactions are rolled back and clients disconnected at once. */
  async stop(): Promise<void> {
    if (!this.isRunning) return;
    await this.asClusterOwner(this.pgCtl, ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
    this.isRunning = false;
  }

  /** Stops the cluster and deletes its folder. Safe to call more than once. */
  async remove(): Promise<void> {
    if (this.removed) return;
    await this.stop().catch(() => undefined);
    this.removeNow();
  }

  private removeNow(): void {
    if (this.removed) return;
    this.removed = true;
    if (this.isRunning) {
      const [command, ...prefix] = [...this.asOwner, this.pgCtl];
      spawnSync(command, [...prefix, '-D', this.dataDir, '-m', 'immediate', '-w', 'stop'], { stdio: 'ignore', timeout: 30_000 });
      this.isRunning = false;
    }
    rmSync(this.folder, { recursive: true, force: true });
    this.forgetCleanup();
  }

  private async asClusterOwner(binary: string, args: string[]): Promise<void> {
    const [command, ...prefix] = [...this.asOwner, binary];
    try {
      await run(command, [...prefix, ...args], { cwd: this.folder, timeout: 120_000 });
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
      throw new Error(`${binary} ${args.at(-1)} failed: ${(error as Error).message}\n${stdout}${stderr}`);
    }
  }
}

/** A PostgreSQL cluster of the caller's own (see DisposablePostgres); call `remove()` in afterAll. */
export function startDisposablePostgres(): Promise<DisposablePostgres> {
  return DisposablePostgres.start();
}

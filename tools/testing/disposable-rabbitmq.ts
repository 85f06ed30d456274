import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './app-process';
import { cleanUpOnExit } from './exit-cleanup';
import { portOpen } from './port-open';
import { waitFor } from './wait-for';

const run = promisify(execFile);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Debian's /usr/sbin wrappers switch to the rabbitmq user and the shared node's cookie; the scripts behind them do not. */
function rabbitmqScript(name: 'rabbitmq-server' | 'rabbitmqctl'): string {
  const path = join(process.env.RABBITMQ_SCRIPTS_DIR ?? '/usr/lib/rabbitmq/bin', name);
  return existsSync(path) ? path : name;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function tail(path: string, characters = 3_000): string {
  try {
    return readFileSync(path, 'utf8').slice(-characters);
  } catch {
    return '';
  }
}

export interface DisposableRabbitMqOptions {
  /** How long one start may take (boot on a busy 2-core machine takes 5–20 s). */
  startTimeoutMs?: number;
}

/**
 * A node of a test's own (name, ports, epmd, cookie, data in one temporary folder), never touching the shared one.
 * `start()` after `stop()` or `kill()` boots it on the same folder, so durable queues come back.
 */
export class DisposableRabbitMq {
  readonly nodeName = `fault-${randomBytes(4).toString('hex')}@localhost`;
  readonly folder = mkdtempSync(join(tmpdir(), 'fault-rabbitmq-'));
  private readonly pidFile = join(this.folder, 'rabbitmq.pid');
  private readonly consoleLog = join(this.folder, 'log', 'console.log');
  private server?: ChildProcess;
  private serverExited: Promise<void> = Promise.resolve();
  private epmd?: ChildProcess;
  private removed = false;
  private readonly forgetCleanup: () => void;

  private constructor(
    readonly port: number,
    readonly distPort: number,
    private readonly epmdPort: number,
    private readonly startTimeoutMs: number,
  ) {
    mkdirSync(join(this.folder, 'mnesia'));
    mkdirSync(join(this.folder, 'log'));
    // Erlang refuses a cookie file that others can read.
    writeFileSync(join(this.folder, '.erlang.cookie'), randomBytes(15).toString('hex').toUpperCase(), { mode: 0o400 });
    writeFileSync(join(this.folder, 'enabled_plugins'), '[].\n');
    // Our own (empty) env file, so /etc/rabbitmq/rabbitmq-env.conf (the shared node's name) is not read.
    writeFileSync(join(this.folder, 'rabbitmq-env.conf'), '# a disposable node: everything comes from the environment\n');
    writeFileSync(
      join(this.folder, 'rabbitmq.conf'),
      [
        `listeners.tcp.1 = 127.0.0.1:${port}`,
        'loopback_users.guest = true',
        'disk_free_limit.absolute = 50MB',
        'log.file.level = warning',
        '',
      ].join('\n'),
    );
    this.forgetCleanup = cleanUpOnExit(() => this.removeNow());
  }

  static async start(options: DisposableRabbitMqOptions = {}): Promise<DisposableRabbitMq> {
    const [port, distPort, epmdPort] = await distinctFreePorts(3);
    const node = new DisposableRabbitMq(port, distPort, epmdPort, options.startTimeoutMs ?? 90_000);
    try {
      await node.startEpmd();
      await node.start();
      return node;
    } catch (error) {
      await node.remove().catch(() => undefined);
      throw error;
    }
  }

  /** The default virtual host as guest (allowed from loopback only, which is where we are). */
  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  urlFor(vhost: string): string {
    return `${this.url}/${encodeURIComponent(vhost)}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** rabbitmqctl against this node, with this node's cookie and epmd. */
  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run(rabbitmqScript('rabbitmqctl'), ['-n', this.nodeName, ...args], { env: this.env(), timeout: 120_000 });
    return stdout;
  }

  async addVhost(vhost: string): Promise<string> {
    await this.ctl('add_vhost', vhost);
    await this.ctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
    return this.urlFor(vhost);
  }

  /** Boots the node (again) and resolves once it accepts AMQP connections. */
  async start(): Promise<void> {
    if (this.server) return;
    if (this.removed) throw new Error(`${this.nodeName} was removed`);
    // A killed node leaves its pid file behind; a stale pid must not pass for the new VM.
    rmSync(this.pidFile, { force: true });
    const log = openSync(this.consoleLog, 'a');
    const child = spawn(rabbitmqScript('rabbitmq-server'), [], { cwd: this.folder, env: this.env(), stdio: ['ignore', log, log] });
    closeSync(log);
    this.server = child;
    this.serverExited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.server === child) this.server = undefined;
        resolve();
      });
    });
    await this.untilStarted(child);
  }

  /** Graceful: rabbitmqctl stop, which returns once the VM has exited. */
  async stop(): Promise<void> {
    if (!this.server) return;
    await this.ctl('stop', this.pidFile);
    await this.serverExited;
  }

  /** SIGKILL of the Erlang VM: no goodbye to clients, nothing flushed that was not yet on disk. */
  async kill(): Promise<void> {
    if (!this.server) return;
    const pid = this.vmPid();
    if (pid === undefined) throw new Error(`${this.nodeName} has no pid file to kill by`);
    process.kill(pid, 'SIGKILL');
    await this.serverExited;
  }

  /** Stops the node and its epmd and deletes the folder. Safe to call more than once. */
  async remove(): Promise<void> {
    if (this.removed) return;
    if (this.server) await this.stop().catch(() => this.kill().catch(() => undefined));
    this.removeNow();
  }

  private removeNow(): void {
    if (this.removed) return;
    this.removed = true;
    const pid = this.vmPid();
    if (this.server && pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.server?.kill('SIGKILL');
    this.epmd?.kill('SIGKILL');
    rmSync(this.folder, { recursive: true, force: true });
    this.forgetCleanup();
  }

  private vmPid(): number | undefined {
    const pid = Number.parseInt(tail(this.pidFile, 32).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  private env(): NodeJS.ProcessEnv {
    const file = (name: string) => join(this.folder, name);
    return {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      // Erlang reads the cookie from $HOME: this folder's, not the shared node's.
      HOME: this.folder,
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_CONFIG_FILE: file('rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: file('advanced.config'),
      RABBITMQ_CONF_ENV_FILE: file('rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: file('enabled_plugins'),
      RABBITMQ_MNESIA_BASE: file('mnesia'),
      RABBITMQ_LOG_BASE: file('log'),
      RABBITMQ_PID_FILE: this.pidFile,
      ERL_EPMD_PORT: String(this.epmdPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
  }

  /** epmd as our child, on its own port: the shared node's epmd is never asked or started. */
  private async startEpmd(): Promise<void> {
    this.epmd = spawn('epmd', ['-port', String(this.epmdPort), '-address', '127.0.0.1'], { stdio: 'ignore' });
    await waitFor(() => portOpen(this.epmdPort), { timeoutMs: 10_000, intervalMs: 50, description: `epmd on port ${this.epmdPort}` });
  }

  private async untilStarted(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`rabbitmq-server for ${this.nodeName} exited while starting:\n${this.logTail()}`);
      }
      try {
        // Fails at once while the node is not reachable yet, then waits for the boot to finish.
        await this.ctl('await_startup', '--timeout', '30');
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `${this.nodeName} did not start within ${this.startTimeoutMs} ms (${(error as Error).message.trim()}):\n${this.logTail()}`,
          );
        }
      }
      await pause(250);
    }
    await waitFor(() => portOpen(this.port), { timeoutMs: 30_000, intervalMs: 100, description: `AMQP on port ${this.port}` });
  }

  private logTail(): string {
    return `${tail(this.consoleLog)}\n${tail(join(this.folder, 'log', `${this.nodeName}.log`))}`;
  }
}

export function startDisposableRabbitMq(options?: DisposableRabbitMqOptions): Promise<DisposableRabbitMq> {
  return DisposableRabbitMq.start(options);
}

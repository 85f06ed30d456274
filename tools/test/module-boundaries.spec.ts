import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/**
 * Lints source text as if it stood at `filePath` (the file need not exist), the way the
 * lint target sees a real file there, and returns the module-boundary complaints.
 */
async function boundaryErrors(filePath: string, source: string): Promise<string[]> {
  const eslint = join(root, 'node_modules', '.bin', 'eslint');
  return new Promise((resolve, reject) => {
    const proc = spawn(eslint, ['--stdin', '--stdin-filename', filePath, '--format', 'json'], { cwd: root });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', () => {
      try {
        const [result] = JSON.parse(out) as Array<{ messages: LintMessage[] }>;
        resolve(result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
      } catch (error) {
        reject(new Error(`eslint printed no JSON: ${out.slice(0, 500)} (${(error as Error).message})`));
      }
    });
    proc.stdin.end(source);
  });
}

describe('module boundaries (docs/CONTRACTS.md, import rules)', () => {
  // The boundary rule reads Nx's cached project graph and silently skips itself without
  // one; computing the graph first makes sure the rule really runs.
  beforeAll(() => {
    const nx = spawnSync(join(root, 'node_modules', '.bin', 'nx'), ['show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    expect(nx.status).toBe(0);
  });

  it.each([
    [
      'libs/adapters importing typeorm',
      'libs/adapters/src/probe.ts',
      "import { DataSource } from 'typeorm';\nexport const x = DataSource;\n",
    ],
    ['libs/adapters importing amqplib', 'libs/adapters/src/probe.ts', "import { connect } from 'amqplib';\nexport const x = connect;\n"],
    [
      'libs/adapters importing @nestjs/common',
      'libs/adapters/src/probe.ts',
      "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n",
    ],
    [
      'libs/adapters importing @inbound/domain',
      'libs/adapters/src/probe.ts',
      "import { createDataSource } from '@inbound/domain';\nexport const x = createDataSource;\n",
    ],
    [
      'apps/webhook-gateway importing ../../status-worker/src/app/status-worker.module',
      'apps/webhook-gateway/src/probe.ts',
      "import { STATUS_WORKER } from '../../status-worker/src/app/status-worker.module';\nexport const x = STATUS_WORKER;\n",
    ],
    [
      'libs/domain importing @inbound/messaging',
      'libs/domain/src/probe.ts',
      "import { INBOUND_QUEUE } from '@inbound/messaging';\nexport const x = INBOUND_QUEUE;\n",
    ],
    [
      'libs/contracts importing class-validator',
      'libs/contracts/src/probe.ts',
      "import { IsUUID } from 'class-validator';\nexport const x = IsUUID;\n",
    ],
    [
      'libs/contracts importing @inbound/messaging',
      'libs/contracts/src/probe.ts',
      "import { HEADER_ATTEMPT } from '@inbound/messaging';\nexport const x = HEADER_ATTEMPT;\n",
    ],
    [
      'libs/webhook-delivery importing axios',
      'libs/webhook-delivery/src/probe.ts',
      "import axios from 'axios';\nexport const x = axios;\n",
    ],
    [
      'libs/adapters importing @inbound/messaging',
      'libs/adapters/src/probe.ts',
      "import type { ConfirmedPublisher } from '@inbound/messaging';\nexport type X = ConfirmedPublisher;\n",
    ],
    [
      'libs/messaging importing @inbound/domain',
      'libs/messaging/src/probe.ts',
      "import { createDataSource } from '@inbound/domain';\nexport const x = createDataSource;\n",
    ],
  ])('%s fails lint', async (_name, filePath, source) => {
    const errors = await boundaryErrors(filePath, source);
    expect(errors.length).toBeGreaterThan(0);
  });

  it.each([
    [
      'apps/webhook-gateway importing @inbound/adapters',
      'apps/webhook-gateway/src/probe.ts',
      "import { AdapterRegistry } from '@inbound/adapters';\nexport const x = AdapterRegistry;\n",
    ],
    [
      'apps/status-worker importing @inbound/messaging',
      'apps/status-worker/src/probe.ts',
      "import { STATUS_QUEUE } from '@inbound/messaging';\nexport const x = STATUS_QUEUE;\n",
    ],
    [
      'libs/adapters importing @inbound/contracts',
      'libs/adapters/src/probe.ts',
      "import { validateEvent } from '@inbound/contracts';\nexport const x = validateEvent;\n",
    ],
    [
      'apps/webhook-gateway importing @inbound/webhook-delivery',
      'apps/webhook-gateway/src/probe.ts',
      "import { isAddressAllowed } from '@inbound/webhook-delivery';\nexport const x = isAddressAllowed;\n",
    ],
    [
      'libs/domain importing @inbound/contracts',
      'libs/domain/src/probe.ts',
      "import { LIFECYCLE_STATUSES } from '@inbound/contracts';\nexport const x = LIFECYCLE_STATUSES;\n",
    ],
  ])('%s passes', async (_name, filePath, source) => {
    await expect(boundaryErrors(filePath, source)).resolves.toEqual([]);
  });
});

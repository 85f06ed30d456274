/**
 * Switches old queues to at-least-once dead-lettering with a policy: their arguments cannot change, and deleting them
 * would lose what they hold (docs/DEPLOYMENT.md, "Dead-lettering at least once").
 *
 *   npm run queues:dead-letter-policy -- [--vhost <vhost>] [--print]
 *
 * The virtual host is --vhost, else the one in RABBITMQ_URL, else "/". With rabbitmqctl on the
 * PATH (a broker node, or `kubectl exec` into one) it sets the policy and lists each queue's
 * policy and the policies; otherwise, or with --print, it prints the command to run there.
 */
import { deadLetterPolicyCommand, deadLetterPolicyRabbitmqctlArgs, shellQuote } from '@inbound/messaging';
import { COMMON_VARIABLES, EnvReader, readVariable } from '@inbound/runtime/config';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function vhostFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const path = new URL(url).pathname.replace(/^\//, '');
  return path === '' ? '/' : decodeURIComponent(path);
}

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((directory) => {
    try {
      accessSync(join(directory, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

async function main(args: readonly string[]): Promise<void> {
  const vhost = option(args, '--vhost') ?? vhostFromUrl(readVariable(new EnvReader(process.env), COMMON_VARIABLES.rabbitmqUrl)) ?? '/';
  if (args.includes('--print') || !onPath('rabbitmqctl')) {
    process.stdout.write(
      `Run on a RabbitMQ node:\n\n  ${deadLetterPolicyCommand(vhost)}\n\nthen check:\n\n  rabbitmqctl list_queues -p ${shellQuote(vhost)} name policy arguments\n  rabbitmqctl list_policies -p ${shellQuote(vhost)}\n`,
    );
    return;
  }
  const set = await run('rabbitmqctl', deadLetterPolicyRabbitmqctlArgs(vhost));
  process.stdout.write(set.stdout);
  // RabbitMQ 3.10's list_queues has no effective_policy_definition column: the policy's name per
  // queue, and the policies with their definitions.
  const queues = await run('rabbitmqctl', ['list_queues', '-p', vhost, '--quiet', 'name', 'policy']);
  const policies = await run('rabbitmqctl', ['list_policies', '-p', vhost, '--quiet']);
  process.stdout.write(`\n${queues.stdout}\n${policies.stdout}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      const { stderr, message } = error as { stderr?: string; message: string };
      process.stderr.write(`${stderr || message}\n`);
      process.exit(1);
    },
  );
}

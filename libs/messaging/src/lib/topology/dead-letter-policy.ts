import { INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';

/** At-least-once dead-lettering; RabbitMQ ignores the strategy unless overflow is reject-publish. */
export const AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS = {
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

/** The same two settings as policy keys: a queue declared without them can take a policy, not a redeclaration. */
export const AT_LEAST_ONCE_DEAD_LETTERING_POLICY_DEFINITION = {
  'dead-letter-strategy': 'at-least-once',
  overflow: 'reject-publish',
} as const;

export const DEAD_LETTER_POLICY_NAME = 'at-least-once-dead-lettering';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The queues that dead-letter: consumer queues and their retry queues, not `.dlq`. */
export function deadLetterPolicyPattern(consumerQueues: readonly string[] = [INBOUND_QUEUE, STATUS_QUEUE]): string {
  return `^(${consumerQueues.map(escapeRegExp).join('|')})(\\.retry\\.[0-9]+)?$`;
}

/** `rabbitmqctl` arguments for the policy; `--apply-to queues` because RabbitMQ 3.10 refuses `quorum_queues`. */
export function deadLetterPolicyRabbitmqctlArgs(vhost: string, pattern = deadLetterPolicyPattern()): string[] {
  return [
    'set_policy',
    '-p',
    vhost,
    '--apply-to',
    'queues',
    DEAD_LETTER_POLICY_NAME,
    pattern,
    JSON.stringify(AT_LEAST_ONCE_DEAD_LETTERING_POLICY_DEFINITION),
  ];
}

/** Quotes for a POSIX shell, so a printed command can be pasted as it is. */
export function shellQuote(argument: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

export function deadLetterPolicyCommand(vhost: string, pattern = deadLetterPolicyPattern()): string {
  return ['rabbitmqctl', ...deadLetterPolicyRabbitmqctlArgs(vhost, pattern)].map(shellQuote).join(' ');
}

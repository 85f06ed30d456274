import { INBOUND_QUEUE, STATUS_QUEUE } from '@inbound/contracts';

/**
 * Queue arguments that make a quorum queue dead-letter at least once: the broker keeps a
 * dead-lettered message until the target queue has confirmed it, instead of dropping it when
 * the target is unavailable (a restart, a leader change). RabbitMQ ignores the strategy unless
 * overflow is reject-publish, so the two always go together.
 */
export const AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS = {
  'x-dead-letter-strategy': 'at-least-once',
  'x-overflow': 'reject-publish',
} as const;

/**
 * The same two settings as policy keys. A queue declared before they were arguments cannot be
 * redeclared with them (PRECONDITION_FAILED), but a policy may set them: the queue's own
 * arguments leave both keys unset.
 */
export const AT_LEAST_ONCE_DEAD_LETTERING_POLICY_DEFINITION = {
  'dead-letter-strategy': 'at-least-once',
  overflow: 'reject-publish',
} as const;

export const DEAD_LETTER_POLICY_NAME = 'at-least-once-dead-lettering';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Matches the consumer queues and their retry queues: the queues that dead-letter. The `.dlq`
 * queues dead-letter nothing and stay out.
 */
export function deadLetterPolicyPattern(consumerQueues: readonly string[] = [INBOUND_QUEUE, STATUS_QUEUE]): string {
  return `^(${consumerQueues.map(escapeRegExp).join('|')})(\\.retry\\.[0-9]+)?$`;
}

/**
 * Arguments to `rabbitmqctl` that set the policy in one virtual host. `--apply-to queues`:
 * RabbitMQ 3.10 knows only `queues`, `exchanges` and `all` and refuses `quorum_queues`; every
 * queue the pattern matches is a quorum queue anyway.
 */
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

/** The whole command line, for a log message or for an operator without rabbitmqctl at hand. */
export function deadLetterPolicyCommand(vhost: string, pattern = deadLetterPolicyPattern()): string {
  return ['rabbitmqctl', ...deadLetterPolicyRabbitmqctlArgs(vhost, pattern)].map(shellQuote).join(' ');
}

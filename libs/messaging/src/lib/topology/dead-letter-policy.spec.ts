import {
  AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS,
  AT_LEAST_ONCE_DEAD_LETTERING_POLICY_DEFINITION,
  deadLetterPolicyCommand,
  deadLetterPolicyPattern,
  deadLetterPolicyRabbitmqctlArgs,
  DEAD_LETTER_POLICY_NAME,
} from './dead-letter-policy';
import { deadLetterQueueName, INBOUND_QUEUE, retryQueueName, STATUS_QUEUE } from '@inbound/contracts';

describe('the at-least-once dead-lettering policy', () => {
  const pattern = new RegExp(deadLetterPolicyPattern());

  it('matches the consumer queues and their retry queues', () => {
    for (const queue of [INBOUND_QUEUE, STATUS_QUEUE]) {
      expect(pattern.test(queue)).toBe(true);
      expect(pattern.test(retryQueueName(queue, 2_000))).toBe(true);
      expect(pattern.test(retryQueueName(queue, 390_000))).toBe(true);
    }
  });

  it('leaves out the dead-letter queues and anything merely alike', () => {
    for (const queue of [INBOUND_QUEUE, STATUS_QUEUE]) expect(pattern.test(deadLetterQueueName(queue))).toBe(false);
    // The dots are literal: "webhookXinbound" is another queue.
    for (const other of ['webhookXinbound', 'webhook.inbound.retry.', 'webhook.inbound.retry.2s', 'x.webhook.inbound', 'message.status']) {
      expect(pattern.test(other)).toBe(false);
    }
  });

  it('sets the same two settings as the queue arguments', () => {
    expect(AT_LEAST_ONCE_DEAD_LETTERING_POLICY_DEFINITION).toEqual({
      'dead-letter-strategy': AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS['x-dead-letter-strategy'],
      overflow: AT_LEAST_ONCE_DEAD_LETTERING_ARGUMENTS['x-overflow'],
    });
  });

  it('is set per virtual host with rabbitmqctl, printable as a shell command', () => {
    expect(deadLetterPolicyRabbitmqctlArgs('prod')).toEqual([
      'set_policy',
      '-p',
      'prod',
      '--apply-to',
      'queues',
      DEAD_LETTER_POLICY_NAME,
      '^(webhook\\.inbound|message\\.status\\.update)(\\.retry\\.[0-9]+)?$',
      '{"dead-letter-strategy":"at-least-once","overflow":"reject-publish"}',
    ]);
    expect(deadLetterPolicyCommand('/')).toBe(
      `rabbitmqctl set_policy -p / --apply-to queues at-least-once-dead-lettering ` +
        `'^(webhook\\.inbound|message\\.status\\.update)(\\.retry\\.[0-9]+)?$' ` +
        `'{"dead-letter-strategy":"at-least-once","overflow":"reject-publish"}'`,
    );
    expect(deadLetterPolicyCommand("it's")).toContain(`-p 'it'\\''s'`);
  });
});

import type { Channel, Message } from 'amqplib';

/**
 * One `multiple` ack once every earlier tag is settled, a turn's acks together: never before a delivery's commit,
 * at worst a little later. Nacks go out at once.
 */
export class DeliveryAcknowledger {
  private nextUnsettled = 1;
  /** Tags above nextUnsettled already settled: true if acked, false if nacked. */
  private readonly settledAhead = new Map<number, boolean>();
  private flushScheduled = false;
  private closed = false;

  constructor(readonly channel: Channel) {
    channel.once('close', () => (this.closed = true));
  }

  /** Deliveries settled but not acked to the broker yet (waiting for an earlier tag). */
  get waiting(): number {
    return this.settledAhead.size;
  }

  ack(message: Message): void {
    this.settle(message.fields.deliveryTag, true);
  }

  nack(message: Message, requeue: boolean): void {
    this.send(() => this.channel.nack(message, false, requeue));
    this.settle(message.fields.deliveryTag, false);
  }

  private settle(tag: number, acked: boolean): void {
    this.settledAhead.set(tag, acked);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    let highestAcked: number | undefined;
    while (this.settledAhead.has(this.nextUnsettled)) {
      if (this.settledAhead.get(this.nextUnsettled)) highestAcked = this.nextUnsettled;
      this.settledAhead.delete(this.nextUnsettled);
      this.nextUnsettled += 1;
    }
    // `multiple` acks every outstanding tag up to this one; nacked ones are no longer outstanding.
    if (highestAcked !== undefined) this.send(() => this.channel.ack({ fields: { deliveryTag: highestAcked } } as Message, true));
  }

  private send(frame: () => void): void {
    if (this.closed) return;
    try {
      frame();
    } catch {
      // The channel closed meanwhile: the broker requeues what it had not been told about,
      // and applying those events again changes nothing.
      this.closed = true;
    }
  }
}

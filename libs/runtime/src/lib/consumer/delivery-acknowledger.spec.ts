import { EventEmitter } from 'node:events';
import type { Channel, Message } from 'amqplib';
import { DeliveryAcknowledger } from './delivery-acknowledger';

function recordingChannel() {
  const frames: string[] = [];
  const channel = Object.assign(new EventEmitter(), {
    ack: (message: Message, multiple: boolean) => frames.push(`ack ${message.fields.deliveryTag}${multiple ? ' multiple' : ''}`),
    nack: (message: Message, _multiple: boolean, requeue: boolean) =>
      frames.push(`nack ${message.fields.deliveryTag}${requeue ? ' requeue' : ''}`),
  });
  return { channel: channel as unknown as Channel & EventEmitter, frames };
}

const delivery = (tag: number) => ({ fields: { deliveryTag: tag } }) as Message;
/** Lets the acknowledger's end-of-turn flush run. */
const afterTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('DeliveryAcknowledger', () => {
  it('acks what one turn settles with one frame, and what was settled ahead once the gap closes', async () => {
    const { channel, frames } = recordingChannel();
    const acknowledger = new DeliveryAcknowledger(channel);
    for (const tag of [1, 2, 3]) acknowledger.ack(delivery(tag));
    await afterTurn();
    expect(frames).toEqual(['ack 3 multiple']);
    for (const tag of [5, 6, 7]) acknowledger.ack(delivery(tag));
    await afterTurn();
    expect(frames).toEqual(['ack 3 multiple']);
    expect(acknowledger.waiting).toBe(3);
    acknowledger.ack(delivery(4));
    await afterTurn();
    expect(frames).toEqual(['ack 3 multiple', 'ack 7 multiple']);
    expect(acknowledger.waiting).toBe(0);
  });

  it('sends nacks at once and acks over them up to the highest acked tag', async () => {
    const { channel, frames } = recordingChannel();
    const acknowledger = new DeliveryAcknowledger(channel);
    acknowledger.nack(delivery(2), false);
    acknowledger.ack(delivery(3));
    acknowledger.nack(delivery(4), true);
    await afterTurn();
    expect(frames).toEqual(['nack 2', 'nack 4 requeue']);
    acknowledger.ack(delivery(1));
    await afterTurn();
    expect(frames).toEqual(['nack 2', 'nack 4 requeue', 'ack 3 multiple']);
  });

  it('sends nothing once its channel has closed', async () => {
    const { channel, frames } = recordingChannel();
    const acknowledger = new DeliveryAcknowledger(channel);
    channel.emit('close');
    acknowledger.ack(delivery(1));
    await afterTurn();
    expect(frames).toEqual([]);
  });
});

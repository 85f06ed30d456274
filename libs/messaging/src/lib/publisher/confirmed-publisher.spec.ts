import type { ConfirmChannel } from 'amqplib';
import { ConfirmedPublisher, type PublishError } from './confirmed-publisher';

/** A channel that records publishes and confirms only what the test confirms. */
class HeldConfirmChannel {
  readonly confirms: Array<(error: Error | null) => void> = [];

  publish(_exchange: string, _key: string, _body: Buffer, _options: unknown, confirm: (error: Error | null) => void): boolean {
    this.confirms.push(confirm);
    return true;
  }
}

/** A publisher already "connected" to the held channel: the confirm timeout is what is under test. */
function publisherOn(channel: HeldConfirmChannel, confirmTimeoutMs: number, outcomes: string[]): ConfirmedPublisher {
  const publisher = new ConfirmedPublisher({
    url: 'amqp://unused',
    confirmTimeoutMs,
    onConfirm: (_seconds, outcome) => outcomes.push(outcome),
  });
  (publisher as unknown as { channel: ConfirmChannel }).channel = channel as unknown as ConfirmChannel;
  return publisher;
}

const event = (id: string) => ({ event_id: id });
const settledAs = (promise: Promise<void>) =>
  promise.then(
    () => 'ack',
    (error: PublishError) => error.reason,
  );

describe('ConfirmedPublisher confirm timeout', () => {
  afterEach(() => jest.useRealTimers());

  it('fails each publish whose confirm does not come within the timeout, oldest first, and no other', async () => {
    jest.useFakeTimers();
    const channel = new HeldConfirmChannel();
    const outcomes: string[] = [];
    const publisher = publisherOn(channel, 1_000, outcomes);

    const first = settledAs(publisher.publish('x', 'k', event('a')));
    jest.advanceTimersByTime(400);
    const second = settledAs(publisher.publish('x', 'k', event('b')));
    const third = settledAs(publisher.publish('x', 'k', event('c')));
    channel.confirms[2](null); // the third is confirmed before any deadline

    jest.advanceTimersByTime(599);
    expect(outcomes).toEqual(['ack']);
    jest.advanceTimersByTime(1);
    expect(await first).toBe('timeout');
    jest.advanceTimersByTime(399);
    expect(outcomes).toEqual(['ack', 'timeout']);
    jest.advanceTimersByTime(1);
    expect(await second).toBe('timeout');
    expect(await third).toBe('ack');
    expect(outcomes).toEqual(['ack', 'timeout', 'timeout']);

    // A confirm arriving after its timeout changes nothing.
    channel.confirms[0](null);
    expect(outcomes).toEqual(['ack', 'timeout', 'timeout']);
  });

  it('times out a publish made after the list emptied by its own deadline, not an earlier one', async () => {
    jest.useFakeTimers();
    const channel = new HeldConfirmChannel();
    const outcomes: string[] = [];
    const publisher = publisherOn(channel, 1_000, outcomes);

    const early = publisher.publish('x', 'k', event('a'));
    channel.confirms[0](null);
    await early;
    jest.advanceTimersByTime(900);
    const late = settledAs(publisher.publish('x', 'k', event('b')));
    // The timer armed for the first publish fires at 1,000 ms and must not fail the second.
    jest.advanceTimersByTime(200);
    expect(outcomes).toEqual(['ack']);
    jest.advanceTimersByTime(800);
    expect(await late).toBe('timeout');
  });

  it('rejects, without throwing, an event that cannot be serialised', async () => {
    const publisher = publisherOn(new HeldConfirmChannel(), 1_000, []);
    const circular: { event_id: string; self?: unknown } = { event_id: 'a' };
    circular.self = circular;
    await expect(publisher.publish('x', 'k', circular)).rejects.toThrow(TypeError);
  });
});

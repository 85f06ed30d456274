import type { ChannelModel } from 'amqplib';

/** The part of amqplib's connection internals (0.10.x) this relies on; checked at run time, never assumed. */
interface FrameMuxer {
  out: { cork(): void; uncork(): void };
  _readIncoming(): void;
}

/**
 * amqplib hands the socket each frame on its own: with Nagle off (the publishers' `noDelay`), every publish
 * is a system call and a TCP packet, on our side and the broker's. Corking the socket for each pass of the
 * connection's frame muxer sends the publishes that piled up since the last pass in one write. Frames
 * still go out in the same order and in the same event-loop turn; backpressure is unchanged.
 * Returns whether it applied (an amqplib without these internals is left as it is).
 */
export function coalesceFrameWrites(model: ChannelModel): boolean {
  const muxer = (model as unknown as { connection?: { muxer?: Partial<FrameMuxer> } }).connection?.muxer;
  if (!muxer || typeof muxer._readIncoming !== 'function' || typeof muxer.out?.cork !== 'function') return false;
  const out = muxer.out;
  const readIncoming = muxer._readIncoming.bind(muxer);
  muxer._readIncoming = () => {
    out.cork();
    try {
      readIncoming();
    } finally {
      out.uncork();
    }
  };
  return true;
}

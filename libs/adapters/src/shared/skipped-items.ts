import type { ParsedEvents, SkipReason } from './adapter.types';

export type SkippedTally = NonNullable<ParsedEvents['skipped']>;

/** Adds one left-out item of the given reason to a parse result's tally. */
export function countSkipped(skipped: SkippedTally, reason: SkipReason): void {
  skipped[reason] = (skipped[reason] ?? 0) + 1;
}

/** The events, with the tally only when something was left out (the usual call skips nothing). */
export function eventsWithSkipped(events: Omit<ParsedEvents, 'skipped'>, skipped: SkippedTally): ParsedEvents {
  return Object.keys(skipped).length > 0 ? { ...events, skipped } : events;
}

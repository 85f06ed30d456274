/** What a call got: its HTTP status, or 'error' for no answer at all (refused connection, timeout). */
export type CallAnswer = number | 'error';

export interface CallStreamOptions {
  /** Calls started per second. */
  ratePerSecond: number;
  /** Calls in all, at most: the fixtures each call names are finite. */
  maxCalls: number;
  /** Calls waiting for their answer at once; past it the stream holds back (and falls behind its rate). */
  maxInFlight?: number;
  /** A call without an answer by then counts as 'error'. */
  timeoutMs?: number;
  call: (index: number, signal: AbortSignal) => Promise<number>;
}

/** Calls at a fixed rate while a test breaks something; answers kept by call number, so each accepted call can be checked. */
export class CallStream {
  private readonly answers: CallAnswer[] = [];
  private launched = 0;
  private inFlight = 0;
  private stopped = false;
  private pacing?: Promise<void>;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: CallStreamOptions) {}

  start(): this {
    this.pacing ??= this.pace();
    return this;
  }

  /** Stops starting calls and resolves once every call started has its answer. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.pacing;
    await Promise.all([...this.pending]);
  }

  /** Resolves once `maxCalls` calls were started and answered. */
  async finished(): Promise<void> {
    await this.pacing;
    await Promise.all([...this.pending]);
  }

  get sent(): number {
    return this.launched;
  }

  /** Calls answered with this status ('error' for no answer). */
  count(answer: CallAnswer): number {
    return this.answers.filter((value) => value === answer).length;
  }

  /** Numbers of the calls answered with this status, ascending. */
  numbersAnswered(answer: CallAnswer): number[] {
    const numbers: number[] = [];
    this.answers.forEach((value, index) => {
      if (value === answer) numbers.push(index);
    });
    return numbers;
  }

  /** Answers other than 200, by answer. */
  refusals(): Record<string, number> {
    const byAnswer: Record<string, number> = {};
    for (const value of this.answers) {
      if (value === undefined || value === 200) continue;
      byAnswer[String(value)] = (byAnswer[String(value)] ?? 0) + 1;
    }
    return byAnswer;
  }

  private async pace(): Promise<void> {
    const { ratePerSecond, maxCalls } = this.options;
    const maxInFlight = this.options.maxInFlight ?? 1_000;
    // A token bucket holding at most a tenth of a second's calls: after a stall the stream
    // resumes at its rate instead of firing everything it missed at once.
    const capacity = Math.max(1, ratePerSecond / 10);
    let tokens = 1;
    let last = Date.now();
    while (!this.stopped && this.launched < maxCalls) {
      const now = Date.now();
      tokens = Math.min(capacity, tokens + ((now - last) / 1_000) * ratePerSecond);
      last = now;
      while (tokens >= 1 && this.inFlight < maxInFlight && this.launched < maxCalls) {
        tokens -= 1;
        this.launch(this.launched++);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private launch(index: number): void {
    this.inFlight += 1;
    const call = this.options
      .call(index, AbortSignal.timeout(this.options.timeoutMs ?? 30_000))
      .then(
        (status): CallAnswer => status,
        (): CallAnswer => 'error',
      )
      .then((answer) => {
        this.answers[index] = answer;
        this.inFlight -= 1;
        this.pending.delete(call);
      });
    this.pending.add(call);
  }
}

/** What the simulator prints: plain lines, and a progress bar redrawn in place on a terminal only. */

export interface Output {
  line(text: string): void;
  progress(done: number, total: number, label: string): void;
  endProgress(): void;
}

export class ConsoleOutput implements Output {
  private drawing = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {}

  line(text: string): void {
    if (this.drawing) this.endProgress();
    this.stream.write(`${text}\n`);
  }

  progress(done: number, total: number, label: string): void {
    if (!this.stream.isTTY) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    this.stream.write(`\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}\x1b[K`);
    this.drawing = true;
  }

  endProgress(): void {
    if (!this.drawing) return;
    this.stream.write('\n');
    this.drawing = false;
  }
}

/** Keeps the lines (tests, and callers that print later). */
export class MemoryOutput implements Output {
  readonly lines: string[] = [];
  line(text: string): void {
    this.lines.push(text);
  }
  progress(): void {
    // no bar in memory
  }
  endProgress(): void {
    // no bar in memory
  }
}

export function describeRow(row: {
  direction: string;
  status: string;
  delivery_address: string;
  message_body: string | null;
  read_at: string | null;
  error_details: unknown;
}): string {
  const parts = [`${row.direction} ${row.status}`, `address ${row.delivery_address}`];
  if (row.message_body !== null) parts.push(`body ${JSON.stringify(row.message_body)}`);
  if (row.read_at) parts.push(`read_at ${row.read_at}`);
  if (row.error_details) parts.push(`error ${JSON.stringify(row.error_details)}`);
  return parts.join(', ');
}

export function describeEvent(event: { type: string; verified: boolean; data: Record<string, unknown> }): string {
  const subject = event.data['provider_message_id'] ?? event.data['group_message_id'] ?? '';
  const extra =
    event.type.startsWith('message.') && event.data['status'] ? ` (${event.data['previous_status']} → ${event.data['status']})` : '';
  return `${event.type} ${subject}${extra}, signature ${event.verified ? 'verified' : 'NOT VERIFIED'}`;
}

/** Stderr kept per command; enough for any error message, small enough that a chatty command cannot hurt. */
export const MAX_STDERR_BYTES = 64 * 1024;

/** Stdout kept when a caller does not stream it (`onStdout`); big outputs must be streamed. */
export const MAX_BUFFERED_STDOUT_BYTES = 16 * 1024 * 1024;

/** Collects a stream's bytes up to a cap, counting (not keeping) the rest. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    const room = this.maxBytes - this.keptBytes;
    if (room >= chunk.length) {
      this.chunks.push(chunk);
      this.keptBytes += chunk.length;
      return;
    }
    if (room > 0) {
      this.chunks.push(chunk.subarray(0, room));
      this.keptBytes += room;
    }
    this.droppedBytes += chunk.length - Math.max(0, room);
  }

  /** UTF-8 text of what was kept, with a note of how much was dropped. */
  text(): string {
    const text = Buffer.concat(this.chunks, this.keptBytes).toString('utf8');
    return this.droppedBytes > 0 ? `${text}\n…[${this.droppedBytes} more bytes dropped]` : text;
  }
}

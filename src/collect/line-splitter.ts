/**
 * Receives one line: `bytes[start, end)` (without `\n`, at most maxLineBytes) and whether it was cut. The bytes are
 * valid only during the call (offsets instead of a sub-buffer: no allocation for the common line).
 */
export type LineHandler = (bytes: Buffer, start: number, end: number, isTruncated: boolean) => void;

export interface LineSplitterOptions {
  /** Drop everything up to and including the first `\n` (the range began mid-line). */
  dropsPartialFirstLine: boolean;
  maxLineBytes: number;
  onLine: LineHandler;
}

/**
 * Splits a byte stream into lines while holding at most one line (capped at maxLineBytes) in memory. Counts the
 * bytes consumed up to the end of the last complete line, which is where a cursor may advance to.
 */
export class LineSplitter {
  /** Bytes up to and including the last `\n` seen (dropped bytes included). */
  consumedBytes = 0;
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private partialBytes = 0;
  private isDropping: boolean;

  constructor(private readonly options: LineSplitterOptions) {
    this.isDropping = options.dropsPartialFirstLine;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) {
        this.append(chunk.subarray(pos));
        return;
      }
      if (this.partialBytes === 0 && !this.isDropping && nl - pos <= this.options.maxLineBytes) {
        // The common case, a whole line inside one chunk: handed over without a copy (onLine does not keep it).
        this.options.onLine(chunk, pos, nl, false);
        this.consumedBytes += nl - pos + 1;
      } else {
        this.append(chunk.subarray(pos, nl));
        this.completeLine(1);
      }
      pos = nl + 1;
    }
  }

  /**
   * Ends the stream. A trailing line without `\n` is emitted (and consumed) when `isFinal` (a rotated file will not
   * grow) or when it is already longer than a line may be (otherwise a cursor could never pass it); else it is left
   * for the next pass.
   */
  end(isFinal: boolean): void {
    if (this.partialBytes === 0) return;
    if (isFinal || this.partialBytes > this.options.maxLineBytes) this.completeLine(0);
  }

  private append(bytes: Buffer): void {
    this.partialBytes += bytes.length;
    const room = this.options.maxLineBytes - this.keptBytes;
    if (room > 0 && bytes.length > 0 && !this.isDropping) {
      const part = bytes.length > room ? bytes.subarray(0, room) : bytes;
      // Copy: the chunk's memory belongs to the stream and may be reused.
      this.kept.push(Buffer.from(part));
      this.keptBytes += part.length;
    }
  }

  private completeLine(newlineBytes: number): void {
    if (this.isDropping) {
      this.isDropping = false;
    } else {
      const line = Buffer.concat(this.kept, this.keptBytes);
      this.options.onLine(line, 0, line.length, this.partialBytes > this.options.maxLineBytes);
    }
    this.consumedBytes += this.partialBytes + newlineBytes;
    this.kept = [];
    this.keptBytes = 0;
    this.partialBytes = 0;
  }
}

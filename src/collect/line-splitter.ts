/**
 * Receives one line: `bytes[start, end)` (without `\n`, at most maxLineBytes) and whether it was cut. The bytes are
 * valid only during the call (offsets instead of a sub-buffer: no allocation for the common line). `isPlainAscii`:
 * the line is known to hold only printable ASCII and tabs (its whole chunk does), so it needs no decoding or
 * cleaning; false means unknown.
 */
export type LineHandler = (bytes: Buffer, start: number, end: number, isTruncated: boolean, isPlainAscii: boolean) => void;

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
    // One check per chunk instead of one per line: most chunks of a log are plain text.
    const isPlain = isPlainChunk(chunk);
    while (pos < chunk.length) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) {
        this.append(chunk.subarray(pos));
        return;
      }
      if (this.partialBytes === 0 && !this.isDropping && nl - pos <= this.options.maxLineBytes) {
        // The common case, a whole line inside one chunk: handed over without a copy (onLine does not keep it).
        this.options.onLine(chunk, pos, nl, false, isPlain);
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
      this.options.onLine(line, 0, line.length, this.partialBytes > this.options.maxLineBytes, false);
    }
    this.consumedBytes += this.partialBytes + newlineBytes;
    this.kept = [];
    this.keptBytes = 0;
    this.partialBytes = 0;
  }
}

/** A byte of plain text: tab, newline or printable ASCII. */
function isPlainByte(b: number): boolean {
  return b < 0x20 ? b === 0x09 || b === 0x0a : b < 0x7f;
}

/** Four bytes as one word: some byte is >= 0x80, < 0x20 or 0x7f (exact tests, see "Bit Twiddling Hacks"). */
function hasSuspectByte(x: number): boolean {
  const y = x ^ 0x7f7f7f7f;
  return ((x & 0x80808080) | ((x - 0x20202020) & ~x & 0x80808080) | ((y - 0x01010101) & ~y & 0x80808080)) !== 0;
}

/**
 * Whether every byte of the chunk is plain text (tab, newline, printable ASCII), four bytes at a time: a word with a
 * byte outside 0x20-0x7e is looked at byte by byte (newlines and tabs are fine). Then each of its lines can be
 * decoded as latin1 without the per-line check and cleaning of sanitizeLine.
 */
export function isPlainChunk(chunk: Buffer): boolean {
  const n = chunk.length;
  // Bytes before the first 4-byte boundary of the underlying memory, then whole words, then the rest.
  const head = (4 - (chunk.byteOffset & 3)) & 3;
  if (n < head + 4) {
    for (let i = 0; i < n; i++) if (!isPlainByte(chunk[i] as number)) return false;
    return true;
  }
  for (let i = 0; i < head; i++) if (!isPlainByte(chunk[i] as number)) return false;
  const words = (n - head) >>> 2;
  const view = new Int32Array(chunk.buffer, chunk.byteOffset + head, words);
  for (let w = 0; w < words; w++) {
    if (!hasSuspectByte(view[w] as number)) continue;
    const at = head + w * 4;
    for (let i = at; i < at + 4; i++) if (!isPlainByte(chunk[i] as number)) return false;
  }
  for (let i = head + words * 4; i < n; i++) if (!isPlainByte(chunk[i] as number)) return false;
  return true;
}

import { ChunkDigest, toDigestAlgorithm, type ChunkIntegrity } from './chunk-digest.js';

export interface DemuxHandlers {
  onBegin(index: number): void;
  onData(index: number, chunk: Buffer): void;
  /**
   * `status` is what the read command printed: `0` after a read, `missing` when the file was gone. `integrity`: the
   * chunk's bytes checked against the checksum in its end marker; null when its begin marker announced no algorithm.
   */
  onEnd(index: number, status: string, integrity: ChunkIntegrity | null): void;
}

/** Longest line accepted where a header or trailer is expected; more is noise, not ours. */
const MAX_MARKER_LINE_BYTES = 4096;

/**
 * Splits the read command's stdout back into per-range byte streams (pure, streaming). Each range arrives as
 * `<token> begin <n> <algorithm>\n<bytes>\n<token> end <n> <status> <algorithm> <checksum...>\n`; data is passed on
 * as soon as it cannot be the start of an end marker, so only a marker's length of bytes is ever held back, never a
 * file. The bytes are hashed as they pass (see ChunkDigest) and checked against the end marker's checksum.
 */
export class LogDemux {
  /** Things in the stream that did not fit the format (should stay empty). */
  readonly problems: string[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private mode: 'header' | 'data' | 'trailer' = 'header';
  private index = -1;
  private digest: ChunkDigest | null = null;
  private readonly endMarker: Buffer;
  private readonly headerPrefix: string;
  private readonly trailerPrefix: string;

  constructor(
    token: string,
    private readonly handlers: DemuxHandlers,
  ) {
    this.endMarker = Buffer.from(`\n${token} end `);
    this.headerPrefix = `${token} begin `;
    this.trailerPrefix = `${token} end `;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.mode === 'data') {
        if (!this.scanData()) return;
      } else {
        const nl = this.pending.indexOf(0x0a);
        if (nl < 0) {
          if (this.pending.length > MAX_MARKER_LINE_BYTES) {
            this.noise(this.pending.length);
            this.pending = Buffer.alloc(0);
          }
          return;
        }
        const line = this.pending.subarray(0, nl).toString('latin1');
        this.pending = this.pending.subarray(nl + 1);
        if (this.mode === 'header') this.header(line);
        else this.trailer(line);
      }
    }
  }

  /** The stream ended: a range still open was cut off (it gets no onEnd). */
  end(): void {
    if (this.mode === 'data' && this.pending.length > 0) this.data(this.pending);
    else if (this.pending.length > 0) this.noise(this.pending.length);
    this.pending = Buffer.alloc(0);
  }

  /** Passes on data up to an end marker; returns true when the marker was found (mode changed). */
  private scanData(): boolean {
    const at = this.pending.indexOf(this.endMarker);
    if (at >= 0) {
      if (at > 0) this.data(this.pending.subarray(0, at));
      this.pending = this.pending.subarray(at + 1);
      this.mode = 'trailer';
      return true;
    }
    const safe = this.pending.length - (this.endMarker.length - 1);
    if (safe > 0) {
      this.data(this.pending.subarray(0, safe));
      this.pending = this.pending.subarray(safe);
    }
    return false;
  }

  private data(chunk: Buffer): void {
    this.digest?.update(chunk);
    this.handlers.onData(this.index, chunk);
  }

  private header(line: string): void {
    if (line === '') return;
    const match = line.startsWith(this.headerPrefix) ? /^(\d+)(?: (\S+))?$/.exec(line.slice(this.headerPrefix.length)) : null;
    if (!match) {
      this.noise(line.length);
      return;
    }
    this.index = Number(match[1]);
    this.digest = match[2] === undefined ? null : new ChunkDigest(toDigestAlgorithm(match[2]));
    this.mode = 'data';
    this.handlers.onBegin(this.index);
  }

  private trailer(line: string): void {
    const [n, status = '', , ...checksum] = line.slice(this.trailerPrefix.length).split(/ +/);
    if (Number(n) !== this.index) this.problems.push(`end marker for range ${n ?? '?'} while reading ${this.index}`);
    this.handlers.onEnd(this.index, status, this.digest ? this.digest.verify(checksum) : null);
    this.digest = null;
    this.mode = 'header';
  }

  private noise(sizeBytes: number): void {
    this.problems.push(`ignored ${sizeBytes} bytes outside any range`);
  }
}

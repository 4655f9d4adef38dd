import { createHash, type Hash } from 'node:crypto';

/** The checksum a read command announces for a chunk: `sha256`, POSIX `cksum` (no sha256 tool), or `none`. */
export type ChunkDigestAlgorithm = 'sha256' | 'cksum' | 'none';

/** The outcome of checking one chunk against what the host said it sent. */
export type ChunkIntegrity = { ok: true } | { ok: false; reason: string };

/**
 * Hashes one chunk as it streams past (nothing is buffered) and compares the result with the checksum the host
 * printed in the chunk's end marker. `sha256` compares `sha256sum`'s hex; `cksum` compares POSIX cksum's CRC and
 * byte count (a weaker check, used only when the host has no `sha256sum` or `busybox sha256sum`).
 */
export class ChunkDigest {
  private readonly sha: Hash | null;
  private crc = 0;
  private sizeBytes = 0;

  constructor(readonly algorithm: ChunkDigestAlgorithm) {
    this.sha = algorithm === 'sha256' ? createHash('sha256') : null;
  }

  update(chunk: Buffer): void {
    this.sizeBytes += chunk.length;
    if (this.sha) this.sha.update(chunk);
    else if (this.algorithm === 'cksum') this.crc = crcUpdate(this.crc, chunk);
  }

  /** `fields`: what followed the algorithm name in the end marker (`<hex> -` for sha256, `<crc> <size>` for cksum). */
  verify(fields: string[]): ChunkIntegrity {
    if (this.algorithm === 'none') return { ok: false, reason: 'not verified: the host sent no checksum (no sha256sum or cksum; for a stream, no private FIFO)' };
    const [first = '', second = ''] = fields;
    if (this.sha) {
      const actual = this.sha.digest('hex');
      return first.toLowerCase() === actual ? { ok: true } : { ok: false, reason: 'sha256 of the received bytes differs from the one the host sent' };
    }
    const actual = posixCksum(this.crc, this.sizeBytes);
    if (first === String(actual) && second === String(this.sizeBytes)) return { ok: true };
    return { ok: false, reason: 'cksum of the received bytes differs from the one the host sent' };
  }
}

/** Reads an algorithm name from a begin marker; anything unknown counts as `none` (nothing to check against). */
export function toDigestAlgorithm(name: string | undefined): ChunkDigestAlgorithm {
  return name === 'sha256' || name === 'cksum' ? name : 'none';
}

const CRC_TABLE = Array.from({ length: 256 }, (_unused, n) => {
  let c = n << 24;
  for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
  return c >>> 0;
});

/** POSIX cksum's CRC-32 (polynomial 0x04C11DB7, most significant bit first, initial value 0). */
function crcUpdate(crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (const b of bytes) c = ((c << 8) ^ (CRC_TABLE[((c >>> 24) ^ b) & 0xff] ?? 0)) >>> 0;
  return c;
}

/** cksum's final value: the length appended in as few bytes as it takes (least significant first), inverted. */
export function posixCksum(crc: number, sizeBytes: number): number {
  const lengthBytes: number[] = [];
  for (let n = sizeBytes; n > 0; n = Math.floor(n / 256)) lengthBytes.push(n % 256);
  return ~crcUpdate(crc, Uint8Array.from(lengthBytes)) >>> 0;
}

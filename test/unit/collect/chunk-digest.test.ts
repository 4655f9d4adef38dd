import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { ChunkDigest } from '../../../src/collect/chunk-digest.js';

describe('ChunkDigest cksum', () => {
  it('agrees with the system cksum over sizes that need 0 to 3 length bytes', async () => {
    for (const size of [0, 1, 255, 256, 70_000]) {
      const bytes = randomBytes(size);
      const [crc = '', length = ''] = (await execa('cksum', { input: bytes })).stdout.trim().split(/\s+/);
      const digest = new ChunkDigest('cksum');
      digest.update(bytes.subarray(0, size >> 1));
      digest.update(bytes.subarray(size >> 1));
      expect(digest.verify([crc, length])).toEqual({ ok: true });
    }
  });

  it('rejects a wrong byte count with the right CRC field', () => {
    const digest = new ChunkDigest('cksum');
    digest.update(Buffer.from('abc'));
    expect(digest.verify(['1219131554', '4'])).toEqual({ ok: false, reason: 'cksum of the received bytes differs from the one the host sent' });
  });
});

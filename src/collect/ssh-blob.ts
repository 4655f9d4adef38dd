/** SSH wire-format public key blobs (RFC 4253 section 6.6), read without ssh2 (so no caller has to load it). */

/** The strings of an SSH wire-format public key blob (`string type, ...`). */
export function blobStrings(blob: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 4 <= blob.length) {
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) break;
    parts.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return parts;
}

/** The key type named in an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ...). */
export function blobKeyType(blob: Buffer): string {
  return blobStrings(blob)[0]?.toString('latin1') ?? '';
}

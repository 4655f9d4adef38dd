import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import type { ReadRange } from '../../../src/collect/cursor-plan.js';
import { buildReadCommand, LogReader, type AnyReadJob, type ReadJob, type StreamJob } from '../../../src/collect/log-reader.js';
import { MAX_LINE_BYTES, TRUNCATED_MARK } from '../../../src/collect/sanitize-line.js';

const TOKEN = '@@dthm-read-feedbeef';
const reference = new Date('2026-11-26T00:00:00Z');

function job(path: string, range: Partial<ReadRange> = {}): ReadJob {
  return { source: path, range: { path, startByte: 0, lengthBytes: 1 << 20, dropsPartialFirstLine: false, isCurrent: true, ...range } };
}

/** Runs the read command through the real sh (`sh -s`, script on stdin) and feeds its stdout to a LogReader. */
async function read(rootfs: string, jobs: ReadJob[]) {
  const reader = new LogReader(jobs, TOKEN, reference);
  const child = execa('sh', ['-s'], { input: buildReadCommand(rootfs, jobs, TOKEN), buffer: false, encoding: 'buffer' });
  child.stdout?.on('data', (c: Buffer) => reader.push(c));
  await child;
  return reader.finish();
}

describe('buildReadCommand + LogReader', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dthm-read-'));
    await mkdir(join(root, 'var', 'log'), { recursive: true });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads planned ranges of files with hostile names under rootfs and parses their lines', async () => {
    const hostile = "/var/log/it's $(x) a;b.log";
    const whole = 'Nov 25 18:42:51 h1 sshd[7]: first\nNov 25 18:42:52 h1 sshd[7]: second\n';
    await writeFile(join(root, hostile), `${whole}half`);
    await writeFile(join(root, 'var/log/b.log'), 'skip me\nkeep\n');
    const { outcomes, problems } = await read(root, [
      job(hostile, { startByte: 0, lengthBytes: 1000 }),
      job('/var/log/b.log', { startByte: 7, lengthBytes: 7, dropsPartialFirstLine: true }),
      job('/var/log/missing.log'),
    ]);
    expect(problems).toEqual([]);
    const [a, b, missing] = outcomes;
    expect(a?.records.map((r) => [r.source, r.program, r.pid, r.message])).toEqual([
      [hostile, 'sshd', 7, 'first'],
      [hostile, 'sshd', 7, 'second'],
    ]);
    expect(a).toMatchObject({ bytesRead: whole.length + 4, consumedBytes: whole.length, isComplete: true, status: '0' });
    expect(b?.records.map((r) => r.line)).toEqual(['keep']);
    expect(b).toMatchObject({ bytesRead: 6, consumedBytes: 6 });
    expect(missing).toMatchObject({ records: [], bytesRead: 0, isComplete: true, status: 'missing' });
  });

  it('reads a rotated remainder to its end, half line included', async () => {
    await writeFile(join(root, 'var/log/r.log.1'), 'old\nrest one\nrest two');
    const { outcomes } = await read(root, [{ source: '/var/log/r.log', range: { ...job('/var/log/r.log.1').range, startByte: 4, isCurrent: false } }]);
    expect(outcomes[0]?.records.map((r) => [r.source, r.line])).toEqual([
      ['/var/log/r.log', 'rest one'],
      ['/var/log/r.log', 'rest two'],
    ]);
  });

  it('tolerates a file that shrank since it was planned', async () => {
    await writeFile(join(root, 'var/log/s.log'), 'short\n');
    const { outcomes } = await read(root, [job('/var/log/s.log', { startByte: 100, lengthBytes: 50 }), job('/var/log/s.log', { startByte: 2, lengthBytes: 50 })]);
    expect(outcomes[0]).toMatchObject({ bytesRead: 0, consumedBytes: 0, isComplete: true, records: [] });
    expect(outcomes[1]?.records.map((r) => r.line)).toEqual(['ort']);
  });

  it('caps and cleans lines', async () => {
    const long = 'x'.repeat(MAX_LINE_BYTES + 100);
    await writeFile(join(root, 'var/log/c.log'), Buffer.concat([Buffer.from(`${long}\n\x1b[31mred\x1b[0m `), Buffer.from([0xff, 0x0a])]));
    const { outcomes } = await read(root, [job('/var/log/c.log')]);
    expect(outcomes[0]?.records.map((r) => r.line)).toEqual([`${'x'.repeat(MAX_LINE_BYTES)}${TRUNCATED_MARK}`, 'red \ufffd']);
  });

  it('marks ranges cut off before their end marker as incomplete', () => {
    const reader = new LogReader([job('/a'), job('/b')], TOKEN, reference);
    const sha = createHash('sha256').update('line\n').digest('hex');
    reader.push(Buffer.from(`${TOKEN} begin 0 sha256\nline\n\n${TOKEN} end 0 0 sha256 ${sha} -\n${TOKEN} begin 1 sha256\npart`));
    const { outcomes } = reader.finish();
    expect(outcomes.map((o) => [o.isComplete, o.records.length])).toEqual([
      [true, 1],
      [false, 0],
    ]);
  });

  /** Runs the read command with only `tools` on PATH (each a link to the given binary). */
  async function readWith(tools: Record<string, string>, jobs: AnyReadJob[], env: Record<string, string> = {}) {
    const bin = await mkdtemp(join(root, 'bin-'));
    for (const [name, target] of Object.entries(tools)) await execa('ln', ['-sf', target, join(bin, name)]);
    const reader = new LogReader(jobs, TOKEN, reference);
    const shell = join(bin, 'sh');
    const child = execa(shell, ['-s'], { input: buildReadCommand(root, jobs, TOKEN), env: { PATH: bin, ...env }, extendEnv: false, buffer: false, encoding: 'buffer' });
    child.stdout?.on('data', (c: Buffer) => reader.push(c));
    await child;
    return reader.finish();
  }

  const coreutils = (names: string[]): Record<string, string> =>
    Object.fromEntries(names.map((n) => [n, n === 'sh' ? '/bin/sh' : `/usr/bin/${n}`]));
  const BASE_TOOLS = ['sh', 'tail', 'head', 'printf', '[', 'tee', 'mkdir', 'mkfifo', 'rm', 'cat'];

  it('works under busybox sh with busybox applets only, checked with `busybox sha256sum`', async () => {
    const busybox = await execa('sh', ['-c', 'command -v busybox'], { reject: false });
    if (busybox.exitCode !== 0) {
      if (process.env.CI === 'true') throw new Error('busybox is required under CI');
      console.warn('busybox not installed: skipping the busybox read check');
      return;
    }
    const path = busybox.stdout.trim();
    await writeFile(join(root, 'var/log/bb.log'), 'one\ntwo\nthree\n');
    const jobs = [job('/var/log/bb.log', { startByte: 4, lengthBytes: 10 })];
    const tools = Object.fromEntries([...BASE_TOOLS, 'busybox'].map((n) => [n, path]));
    const { outcomes } = await readWith(tools, jobs);
    expect(outcomes[0]).toMatchObject({ isComplete: true, integrityFailure: null });
    expect(outcomes[0]?.records.map((r) => r.line)).toEqual(['two', 'three']);
  });

  it('falls back to POSIX cksum when the host has no sha256 tool', async () => {
    await writeFile(join(root, 'var/log/ck.log'), Buffer.from([...'alpha\n'].map((c) => c.charCodeAt(0)).concat([0xff, 0x00, 0x0a])));
    const { outcomes } = await readWith(coreutils([...BASE_TOOLS, 'cksum']), [job('/var/log/ck.log'), job('/var/log/none.log')]);
    expect(outcomes.map((o) => [o.isComplete, o.status, o.integrityFailure])).toEqual([
      [true, '0', null],
      [true, 'missing', null],
    ]);
    expect(outcomes[0]?.records).toHaveLength(2);
  });

  it('hashes by a second read of the range when no private FIFO can be made', async () => {
    await writeFile(join(root, 'var/log/nofifo.log'), 'first\nsecond\n');
    const { outcomes } = await readWith(coreutils([...BASE_TOOLS, 'sha256sum']), [job('/var/log/nofifo.log', { startByte: 6, lengthBytes: 7 })], {
      TMPDIR: join(root, 'no-such-dir'),
    });
    expect(outcomes[0]).toMatchObject({ isComplete: true, integrityFailure: null });
    expect(outcomes[0]?.records.map((r) => r.line)).toEqual(['second']);
  });

  it('refuses the bytes of a host with no checksum tool at all', async () => {
    await writeFile(join(root, 'var/log/plain.log'), 'line\n');
    const { outcomes } = await readWith(coreutils(BASE_TOOLS), [job('/var/log/plain.log')]);
    expect(outcomes[0]).toMatchObject({ isComplete: false, records: [], integrityFailure: 'not verified: the host sent no checksum (no sha256sum or cksum; for a stream, no private FIFO)' });
  });

  it('catches one flipped byte in one chunk and keeps the other chunks', async () => {
    await writeFile(join(root, 'var/log/one.log'), 'Nov 25 10:00:00 h1 a: good\n');
    await writeFile(join(root, 'var/log/two.log'), 'Nov 25 10:00:00 h1 b: flipped\n');
    const jobs = [job('/var/log/one.log'), job('/var/log/two.log')];
    const script = await execa('sh', ['-s'], { input: buildReadCommand(root, jobs, TOKEN), encoding: 'buffer', stripFinalNewline: false });
    const output = Buffer.from(script.stdout);
    const flip = output.indexOf('flipped');
    output[flip] = (output[flip] ?? 0) ^ 0x20;
    const reader = new LogReader(jobs, TOKEN, reference);
    reader.push(output);
    const { outcomes } = reader.finish();
    expect(outcomes.map((o) => [o.isComplete, o.records.length, o.integrityFailure])).toEqual([
      [true, 1, null],
      [false, 0, 'sha256 of the received bytes differs from the one the host sent'],
    ]);
  });

  it('checks a stream too, and refuses one that could not be hashed (no private FIFO)', async () => {
    const stream: StreamJob = { source: 'cmd', body: "printf 'a ~ b\\n'", capBytes: 1024, parse: (line) => ({ line, time: null, hostname: null, program: null, pid: null, message: line }) };
    const script = await execa('sh', ['-s'], { input: buildReadCommand(root, [stream], TOKEN), encoding: 'buffer', stripFinalNewline: false });
    const output = Buffer.from(script.stdout);
    const intact = new LogReader([stream], TOKEN, reference);
    intact.push(output);
    expect(intact.finish().outcomes[0]).toMatchObject({ isComplete: true, integrityFailure: null, records: [{ line: 'a ~ b' }] });
    const tilde = output.indexOf('~');
    output[tilde] = (output[tilde] ?? 0) ^ 0x01;
    const flipped = new LogReader([stream], TOKEN, reference);
    flipped.push(output);
    expect(flipped.finish().outcomes[0]).toMatchObject({ isComplete: false, records: [], integrityFailure: expect.stringContaining('sha256') });
    const noFifo = await readWith(coreutils([...BASE_TOOLS, 'sha256sum']), [stream], { TMPDIR: join(root, 'no-such-dir') });
    expect(noFifo.outcomes[0]).toMatchObject({ isComplete: false, integrityFailure: 'not verified: the host sent no checksum (no sha256sum or cksum; for a stream, no private FIFO)' });
  });

  it('leaves no temporary directory behind', async () => {
    const tmp = await mkdtemp(join(root, 'tmp-'));
    await writeFile(join(root, 'var/log/t.log'), 'x\n');
    const { outcomes } = await readWith(coreutils([...BASE_TOOLS, 'sha256sum']), [job('/var/log/t.log')], { TMPDIR: tmp });
    expect(outcomes[0]?.integrityFailure).toBeNull();
    expect(await readdir(tmp)).toEqual([]);
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { ReadRange } from '../../../src/collect/cursor-plan.js';
import { buildReadCommand, LogReader, type ReadJob } from '../../../src/collect/log-reader.js';
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
    reader.push(Buffer.from(`${TOKEN} begin 0\nline\n\n${TOKEN} end 0 0\n${TOKEN} begin 1\npart`));
    const { outcomes } = reader.finish();
    expect(outcomes.map((o) => [o.isComplete, o.records.length])).toEqual([
      [true, 1],
      [false, 0],
    ]);
  });

  it('works under busybox sh with busybox tail and head only', async () => {
    const busybox = await execa('sh', ['-c', 'command -v busybox'], { reject: false });
    if (busybox.exitCode !== 0) {
      console.warn('busybox not installed: skipping the busybox read check');
      return;
    }
    const bin = join(root, 'bb-bin');
    await mkdir(bin, { recursive: true });
    for (const applet of ['sh', 'tail', 'head', 'printf', '[']) {
      await execa('ln', ['-sf', busybox.stdout.trim(), join(bin, applet)]);
    }
    await writeFile(join(root, 'var/log/bb.log'), 'one\ntwo\nthree\n');
    const jobs = [job('/var/log/bb.log', { startByte: 4, lengthBytes: 10 })];
    const reader = new LogReader(jobs, TOKEN, reference);
    const child = execa(join(bin, 'sh'), ['-s'], { input: buildReadCommand(root, jobs, TOKEN), env: { PATH: bin }, extendEnv: false, buffer: false, encoding: 'buffer' });
    child.stdout?.on('data', (c: Buffer) => reader.push(c));
    await child;
    expect(reader.finish().outcomes[0]?.records.map((r) => r.line)).toEqual(['two', 'three']);
  });
});

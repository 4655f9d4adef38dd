import { appendFile, mkdir, rename, rm, truncate, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectHost } from '../../../src/collect/collect-host.js';
import type { HostSnapshot, PreviousHostState, ResolvedHost, Transport } from '../../../src/types.js';
import { noPreviousState } from './host-fixture.js';

/**
 * One temp log file followed across passes through a real transport: first sight, nothing new, append with a
 * half-written line, logrotate `create`, `copytruncate`, truncation and replacement. The file name has spaces and
 * quotes, and a glob over a directory with a space in its name runs alongside.
 */
export interface LogScenario {
  logPath: string;
  globPattern: string;
  /** Runs one pass with the cursors of the previous one. */
  pass(): Promise<HostSnapshot>;
  lines(snapshot: HostSnapshot, path?: string): string[];
  source(snapshot: HostSnapshot, path?: string): HostSnapshot['logSources'][number] | undefined;
}

export async function createLogScenario(
  dir: string,
  host: (logs: string[]) => ResolvedHost,
  openTransport: () => Promise<Transport>,
): Promise<LogScenario> {
  const logPath = join(dir, `it's a "log" file.log`);
  const globDir = join(dir, 'glob dir $x');
  await mkdir(globDir);
  await writeFile(join(globDir, 'one.log'), 'Nov 25 10:00:00 h1 app[1]: one\n');
  await writeFile(join(globDir, 'two.log'), 'Nov 25 10:00:00 h1 app[2]: two\n');
  await writeFile(join(globDir, 'two.log.1'), 'a rotated file is not a source of its own\n');
  const globPattern = `${globDir}/*.log`;
  let previous: PreviousHostState = noPreviousState();
  const resolved = host([logPath, globPattern]);
  return {
    logPath,
    globPattern,
    async pass() {
      const transport = await openTransport();
      try {
        const snapshot = await collectHost(resolved, transport, previous, {
          clock: () => new Date('2026-11-26T12:00:00Z'),
          signal: new AbortController().signal,
          cpuSampleSeconds: 0,
        });
        previous = { ...previous, cursors: snapshot.cursors };
        return snapshot;
      } finally {
        await transport.close();
      }
    },
    lines: (snapshot, path = logPath) => snapshot.logs.filter((r) => r.source === path).map((r) => r.message),
    source: (snapshot, path = logPath) => snapshot.logSources.find((s) => s.path === path),
  };
}

const line = (n: number | string): string => `Nov 25 10:00:00 h1 app[7]: line ${n}\n`;

/** Registers the passes as consecutive tests (they share one file and one cursor history). */
export function describeLogPasses(get: () => LogScenario | null): void {
  const s = (): LogScenario | null => get();

  it('first sight: reads the whole file and the glob matches, rotated names excluded', async () => {
    const sc = s();
    if (!sc) return;
    await writeFile(sc.logPath, line(1) + line(2) + line(3));
    const snap = await sc.pass();
    expect(snap.failures).toEqual([]);
    expect(sc.lines(snap)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(sc.source(snap)).toMatchObject({ status: 'read', linesRead: 3, bytesRead: 3 * line(1).length, note: `first pass: read all ${3 * line(1).length} B` });
    expect(snap.logSources.filter((l) => l.pattern === sc.globPattern).map((l) => [l.path.split('/').pop(), l.status])).toEqual([
      ['one.log', 'read'],
      ['two.log', 'read'],
    ]);
    expect(snap.cursors.find((c) => c.path === sc.logPath)).toMatchObject({ offset: 3 * line(1).length, fingerprintLen: 3 * line(1).length });
  });

  it('nothing new: reads nothing, keeps the cursor', async () => {
    const sc = s();
    if (!sc) return;
    const snap = await sc.pass();
    expect(snap.logs).toEqual([]);
    expect(sc.source(snap)).toMatchObject({ status: 'unchanged', bytesRead: 0 });
    expect(snap.cursors.find((c) => c.path === sc.logPath)?.offset).toBe(3 * line(1).length);
  });

  it('appended data with a half-written last line: reads whole lines only', async () => {
    const sc = s();
    if (!sc) return;
    await appendFile(sc.logPath, `${line(4)}${line(5)}Nov 25 10:00:00 h1 app[7]: half`);
    const snap = await sc.pass();
    expect(sc.lines(snap)).toEqual(['line 4', 'line 5']);
    expect(snap.cursors.find((c) => c.path === sc.logPath)?.offset).toBe(5 * line(1).length);
  });

  it('the half line, once finished, is read next pass', async () => {
    const sc = s();
    if (!sc) return;
    await appendFile(sc.logPath, ` done\n${line(6)}`);
    const snap = await sc.pass();
    expect(sc.lines(snap)).toEqual(['half done', 'line 6']);
  });

  it('logrotate create: reads the rest of the rotated file once, then the new file', async () => {
    const sc = s();
    if (!sc) return;
    await appendFile(sc.logPath, line('7 before rotation'));
    await rename(sc.logPath, `${sc.logPath}.1`);
    await writeFile(sc.logPath, line('8 after rotation'));
    const snap = await sc.pass();
    expect(sc.lines(snap)).toEqual(['line 7 before rotation', 'line 8 after rotation']);
    expect(sc.source(snap)?.note).toBe(`rotated (remainder of it's a "log" file.log.1 read)`);
    const again = await sc.pass();
    expect(sc.lines(again)).toEqual([]);
  });

  it('copytruncate: reads the rest of the copy, then the truncated file from 0', async () => {
    const sc = s();
    if (!sc) return;
    await appendFile(sc.logPath, line('9 before copy'));
    await rename(`${sc.logPath}.1`, `${sc.logPath}.2`);
    await copyFile(sc.logPath, `${sc.logPath}.1`);
    await truncate(sc.logPath, 0);
    await appendFile(sc.logPath, line('10 after truncate'));
    const snap = await sc.pass();
    expect(sc.lines(snap)).toEqual(['line 9 before copy', 'line 10 after truncate']);
    expect(sc.source(snap)?.note).toBe(`copytruncate (remainder of it's a "log" file.log.1 read)`);
  });

  it('plain truncation: reads from 0 with a note', async () => {
    const sc = s();
    if (!sc) return;
    await writeFile(sc.logPath, 'x\n');
    const snap = await sc.pass();
    expect(snap.logs.filter((r) => r.source === sc.logPath).map((r) => r.line)).toEqual(['x']);
    expect(sc.source(snap)?.note).toBe('truncated');
  });

  it('file replaced: reads the new file from 0 with a note', async () => {
    const sc = s();
    if (!sc) return;
    await rm(sc.logPath);
    await writeFile(sc.logPath, line('11 replacement') + line('12 replacement'));
    const snap = await sc.pass();
    expect(sc.lines(snap)).toEqual(['line 11 replacement', 'line 12 replacement']);
    expect(sc.source(snap)?.note).toBe('replaced');
  });
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { shGlob, shQuote } from '../../../src/collect/shell.js';

/** Names chosen to break naive quoting: quotes, expansions, separators, globs, spaces, newlines, non-ASCII. */
const HOSTILE = [
  "it's",
  'a b  c',
  '$(touch pwned)',
  '`touch pwned`',
  '$HOME',
  'semi;colon',
  'pipe|amp&',
  'dq"uote',
  'back\\slash',
  'star*lit',
  'q?mark',
  '[bracket]',
  '~tilde',
  '-dash-first',
  'new\nline',
  'tab\there',
  'ünïcødé ✓',
  "'",
  "''",
];

/** Runs `printf '%s\n' WORD...` through the real /bin/sh (dash here) in `cwd`, one output line per word. */
async function shPrint(words: string, cwd: string): Promise<string[]> {
  const { stdout } = await execa('sh', ['-c', `printf '<%s>\\n' ${words}`], { cwd });
  return stdout.split('\n');
}

describe('shQuote', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-shell-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives sh every hostile string back byte for byte, expanding nothing', async () => {
    for (const s of HOSTILE) {
      const { stdout } = await execa('sh', ['-c', `printf '%s' ${shQuote(s)}`], { cwd: dir });
      expect(stdout).toBe(s);
    }
    await expect(execa('test', ['-e', join(dir, 'pwned')])).rejects.toThrow();
  });

  it('quotes the empty string as an empty word and rejects NUL', () => {
    expect(shQuote('')).toBe("''");
    expect(() => shQuote('a\0b')).toThrow(RangeError);
  });
});

describe('shGlob', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-glob-'));
    for (const name of ['a b.log', 'a$b.log', "it's.log", 'x.log', 'y.txt', 'app1.log', 'app2.log', 'appX.log', '[literal].log', 'star*lit']) {
      await writeFile(join(dir, name), '');
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('expands * and ? but keeps spaces, $ and quotes literal', async () => {
    expect((await shPrint(shGlob('*.log'), dir)).sort()).toEqual(
      ['<a b.log>', '<a$b.log>', '<app1.log>', '<app2.log>', '<appX.log>', "<it's.log>", '<[literal].log>', '<x.log>'].sort(),
    );
    expect(await shPrint(shGlob('a b.*'), dir)).toEqual(['<a b.log>']);
    expect(await shPrint(shGlob("it's.?og"), dir)).toEqual(["<it's.log>"]);
    expect(await shPrint(shGlob('a$b.*'), dir)).toEqual(['<a$b.log>']);
  });

  it('expands bracket expressions, negation, ranges and classes', async () => {
    expect(await shPrint(shGlob('app[12].log'), dir)).toEqual(['<app1.log>', '<app2.log>']);
    expect(await shPrint(shGlob('app[!1].log'), dir)).toEqual(['<app2.log>', '<appX.log>']);
    expect(await shPrint(shGlob('app[^1X].log'), dir)).toEqual(['<app2.log>']);
    expect(await shPrint(shGlob('app[0-9].log'), dir)).toEqual(['<app1.log>', '<app2.log>']);
    expect(await shPrint(shGlob('app[[:alpha:]].log'), dir)).toEqual(['<appX.log>']);
  });

  it('keeps hostile characters inside brackets literal', async () => {
    expect(await shPrint(shGlob('a[ $]b.log'), dir)).toEqual(['<a b.log>', '<a$b.log>']);
    expect(await shPrint(shGlob('a[`;]b'), dir)).toEqual(['<a[`;]b>']);
  });

  it('treats an unclosed [ and an escaped star literally', async () => {
    expect(await shPrint(shGlob('[literal'), dir)).toEqual(['<[literal>']);
    expect(await shPrint(shGlob('\\[literal].log'), dir)).toEqual(['<[literal].log>']);
    expect(await shPrint(shGlob('star\\*lit'), dir)).toEqual(['<star*lit>']);
  });

  it('runs nothing for command substitutions, backticks or separators', async () => {
    for (const evil of ['$(touch pwned)*', '`touch pwned`*', '*;touch pwned', '*|touch pwned', '*&&touch pwned', '*\ntouch pwned']) {
      await shPrint(shGlob(evil), dir);
    }
    await expect(execa('test', ['-e', join(dir, 'pwned')])).rejects.toThrow();
  });

  it('leaves an unmatched pattern as its literal text', async () => {
    expect(await shPrint(shGlob('no such *.gz'), dir)).toEqual(['<no such *.gz>']);
    expect(shGlob('')).toBe("''");
  });
});

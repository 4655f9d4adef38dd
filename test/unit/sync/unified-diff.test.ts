import { diffLines, unifiedDiff } from '../../../src/util/unified-diff.js';

const labels = { oldLabel: 'a/f.yaml', newLabel: 'b/f.yaml' };
const lines = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `line ${from + i}`);
const text = (l: string[]) => `${l.join('\n')}\n`;

/** Applies an edit script to `a`, to check that it really produces `b`. */
function apply(a: string[], b: string[]): string[] {
  return diffLines(a, b).flatMap((op) => (op.kind === 'equal' ? [a[op.a] as string] : op.kind === 'insert' ? [b[op.b] as string] : []));
}

describe('diffLines', () => {
  it('finds a shortest edit script that turns a into b', () => {
    const a = ['a', 'b', 'c', 'a', 'b', 'b', 'a'];
    const b = ['c', 'b', 'a', 'b', 'a', 'c'];
    const ops = diffLines(a, b);
    expect(apply(a, b)).toEqual(b);
    // Myers' example: D = 5.
    expect(ops.filter((o) => o.kind !== 'equal')).toHaveLength(5);
  });

  it('is minimal and correct on 500 random pairs (edit count = n + m - 2 * LCS)', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const lcs = (a: string[], b: string[]): number => {
      const row = new Array<number>(b.length + 1).fill(0);
      for (const x of a) {
        let diagonal = 0;
        for (let j = 1; j <= b.length; j += 1) {
          const up = row[j] as number;
          row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(up, row[j - 1] as number);
          diagonal = up;
        }
      }
      return row[b.length] as number;
    };
    for (let i = 0; i < 500; i += 1) {
      const a = Array.from({ length: random(30) }, () => 'abcde'[random(5)] as string);
      const b = Array.from({ length: random(30) }, () => 'abcde'[random(5)] as string);
      expect(apply(a, b)).toEqual(b);
      expect(diffLines(a, b).filter((o) => o.kind !== 'equal')).toHaveLength(a.length + b.length - 2 * lcs(a, b));
    }
  });

  it('7,000 lines appended after a short file, and 500 edits spread over 7,000 lines', () => {
    const short = lines(3);
    const long = lines(7000);
    expect(apply(short, long)).toEqual(long);
    expect(diffLines(short, long).filter((o) => o.kind === 'insert')).toHaveLength(6997);
    const edited = long.map((l, i) => (i % 14 === 0 ? `${l} changed` : l));
    expect(apply(long, edited)).toEqual(edited);
    expect(diffLines(long, edited).filter((o) => o.kind === 'delete')).toHaveLength(500);
  });

  it('handles empty sides and equal inputs', () => {
    expect(diffLines([], [])).toEqual([]);
    expect(diffLines([], ['x'])).toEqual([{ kind: 'insert', b: 0 }]);
    expect(diffLines(['x'], [])).toEqual([{ kind: 'delete', a: 0 }]);
    expect(diffLines(['x', 'y'], ['x', 'y']).every((o) => o.kind === 'equal')).toBe(true);
  });

  it('puts deletions before insertions within a change', () => {
    expect(diffLines(['a', 'old', 'z'], ['a', 'new', 'z']).map((o) => o.kind)).toEqual(['equal', 'delete', 'insert', 'equal']);
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', labels)).toBe('');
  });

  it('prints one change with 3 lines of context, as diff -u does', () => {
    const a = lines(10);
    const b = [...a];
    b[4] = 'changed';
    expect(unifiedDiff(text(a), text(b), labels)).toBe(
      ['--- a/f.yaml', '+++ b/f.yaml', '@@ -2,7 +2,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+changed', ' line 6', ' line 7', ' line 8', ''].join('\n'),
    );
  });

  it('joins changes up to 6 lines apart into one hunk and splits farther ones', () => {
    const a = lines(30);
    const near = [...a];
    near[2] = 'x';
    near[9] = 'y'; // 6 unchanged lines between: one hunk
    expect(unifiedDiff(text(a), text(near), labels).match(/^@@/gm)).toHaveLength(1);
    const far = [...a];
    far[2] = 'x';
    far[10] = 'y'; // 7 unchanged lines between: two hunks
    const diff = unifiedDiff(text(a), text(far), labels);
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,6 +1,6 @@');
    expect(diff).toContain('@@ -8,7 +8,7 @@');
  });

  it('writes counts of 1 as the line alone and an empty side as the line before', () => {
    expect(unifiedDiff('a\n', 'b\n', labels)).toBe('--- a/f.yaml\n+++ b/f.yaml\n@@ -1 +1 @@\n-a\n+b\n');
    expect(unifiedDiff('', 'x\ny\n', { oldLabel: '/dev/null', newLabel: 'b/f.yaml' })).toBe('--- /dev/null\n+++ b/f.yaml\n@@ -0,0 +1,2 @@\n+x\n+y\n');
    expect(unifiedDiff('a\nb\n', 'a\n', labels)).toBe('--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1 @@\n a\n-b\n');
  });

  it('marks a last line without a newline', () => {
    expect(unifiedDiff('a\nb', 'a\nb\n', labels)).toBe('--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  it('is what GNU diff -u prints for an insertion in the middle of a file', () => {
    const a = lines(8);
    const b = [...a.slice(0, 4), 'new 1', 'new 2', ...a.slice(4)];
    expect(unifiedDiff(text(a), text(b), labels)).toBe(
      ['--- a/f.yaml', '+++ b/f.yaml', '@@ -2,6 +2,8 @@', ' line 2', ' line 3', ' line 4', '+new 1', '+new 2', ' line 5', ' line 6', ' line 7', ''].join('\n'),
    );
  });
});

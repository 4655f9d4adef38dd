/**
 * A line diff (Myers' O(ND) algorithm) and the unified format `diff -u` / `git diff` print, so `sync-config --dry-run`
 * can show exactly what it would change without a diff dependency.
 */

/** One step of an edit script: a line kept (index in both), removed (index in `a`) or added (index in `b`). */
export type DiffOp = { kind: 'equal'; a: number; b: number } | { kind: 'delete'; a: number } | { kind: 'insert'; b: number };

/**
 * The shortest edit script turning `a` into `b`. Deletions come before insertions within a change, as diff prints
 * them. The common head and tail are matched first (a sync usually appends or edits a few places); Myers' search then
 * keeps one Int32Array of 2d+1 entries per step d, so memory is O(D^2) in the changed lines only: 500 new hosts
 * (7,000 lines) appended to a config cost a few kilobytes, not the gigabyte an (N+M)-wide trace per step would.
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const ops: DiffOp[] = [];
  for (let i = 0; i < head; i += 1) ops.push({ kind: 'equal', a: i, b: i });
  const middle = middleOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  for (const op of middle) {
    if (op.kind === 'equal') ops.push({ kind: 'equal', a: op.a + head, b: op.b + head });
    else if (op.kind === 'delete') ops.push({ kind: 'delete', a: op.a + head });
    else ops.push({ kind: 'insert', b: op.b + head });
  }
  for (let i = tail; i > 0; i -= 1) ops.push({ kind: 'equal', a: a.length - i, b: b.length - i });
  return groupDeletesFirst(ops);
}

/** Myers' greedy search over what differs; `trace[d][k + d]` is the furthest x on diagonal k after d edits. */
function middleOps(a: readonly string[], b: readonly string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((_, i) => ({ kind: 'insert', b: i }));
  if (m === 0) return a.map((_, i) => ({ kind: 'delete', a: i }));
  const at = (row: Int32Array, d: number, k: number): number => (k < -d || k > d ? -1 : (row[k + d] as number));
  const trace: Int32Array[] = [];
  let previous = new Int32Array(1);
  let done = false;
  for (let d = 0; d <= n + m && !done; d += 1) {
    const row = new Int32Array(2 * d + 1);
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && at(previous, d - 1, k - 1) < at(previous, d - 1, k + 1));
      let x = d === 0 ? 0 : down ? at(previous, d - 1, k + 1) : at(previous, d - 1, k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      row[k + d] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
    trace.push(row);
    previous = row;
  }
  // Walk the trace back from (n, m), collecting the snake of each step in reverse.
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const k = x - y;
    const prevRow = trace[d - 1];
    const down = d > 0 && prevRow !== undefined && (k === -d || (k !== d && at(prevRow, d - 1, k - 1) < at(prevRow, d - 1, k + 1)));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 || prevRow === undefined ? 0 : at(prevRow, d - 1, prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      x -= 1;
      y -= 1;
      ops.push({ kind: 'equal', a: x, b: y });
    }
    if (d > 0) {
      if (down) ops.push({ kind: 'insert', b: prevY });
      else ops.push({ kind: 'delete', a: prevX });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** Within each run of changes, deletions first: `-old` above `+new`, as every diff tool prints them. */
function groupDeletesFirst(ops: DiffOp[]): DiffOp[] {
  const out: DiffOp[] = [];
  let deletes: DiffOp[] = [];
  let inserts: DiffOp[] = [];
  const flush = (): void => {
    out.push(...deletes, ...inserts);
    deletes = [];
    inserts = [];
  };
  for (const op of ops) {
    if (op.kind === 'equal') {
      flush();
      out.push(op);
    } else if (op.kind === 'delete') deletes.push(op);
    else inserts.push(op);
  }
  flush();
  return out;
}

/** Lines of a text and whether it ends with a newline (diff marks a last line without one). */
function splitText(text: string): { lines: string[]; hasFinalNewline: boolean } {
  if (text === '') return { lines: [], hasFinalNewline: true };
  const hasFinalNewline = text.endsWith('\n');
  const lines = (hasFinalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, hasFinalNewline };
}

export interface UnifiedDiffOptions {
  /** Header names: `--- <oldLabel>` and `+++ <newLabel>` (e.g. `a/config/dthostmon.yaml`, `/dev/null`). */
  oldLabel: string;
  newLabel: string;
  /** Unchanged lines shown around each change. Default 3. */
  context?: number;
}

/** `start,count` of a hunk side; diff writes a count of 1 as just the start, and an empty side as the line before. */
function range(start: number, count: number): string {
  if (count === 0) return `${start},0`;
  if (count === 1) return `${start + 1}`;
  return `${start + 1},${count}`;
}

/** The unified diff from `oldText` to `newText`, or '' when they are equal. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const context = options.context ?? 3;
  const before = splitText(oldText);
  const after = splitText(newText);
  // A changed final newline changes the last line: compare it with a marker so the diff shows it.
  const mark = (side: { lines: string[]; hasFinalNewline: boolean }): string[] =>
    side.hasFinalNewline || side.lines.length === 0 ? side.lines : [...side.lines.slice(0, -1), `${side.lines.at(-1)}\u0000`];
  const a = mark(before);
  const b = mark(after);
  const ops = diffLines(a, b);

  const changed = ops.map((op) => op.kind !== 'equal');
  const out: string[] = [`--- ${options.oldLabel}`, `+++ ${options.newLabel}`];
  let i = 0;
  while (i < ops.length) {
    if (!changed[i]) {
      i += 1;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change that is at most
    // 2 * context unchanged lines further on (closer changes share one hunk).
    const start = Math.max(0, i - context);
    let end = i;
    let j = i;
    while (j < ops.length) {
      if (changed[j]) {
        end = j;
        j += 1;
        continue;
      }
      let run = 0;
      while (j + run < ops.length && !changed[j + run]) run += 1;
      if (j + run >= ops.length || run > 2 * context) break;
      j += run;
    }
    const stop = Math.min(ops.length, end + context + 1);
    const slice = ops.slice(start, stop);
    const firstA = firstIndex(ops, start, 'a');
    const firstB = firstIndex(ops, start, 'b');
    const countA = slice.filter((op) => op.kind !== 'insert').length;
    const countB = slice.filter((op) => op.kind !== 'delete').length;
    out.push(`@@ -${range(firstA, countA)} +${range(firstB, countB)} @@`);
    for (const op of slice) {
      const line = op.kind === 'insert' ? (b[op.b] as string) : (a[op.a] as string);
      const prefix = op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+';
      if (line.endsWith('\u0000')) out.push(`${prefix}${line.slice(0, -1)}`, '\\ No newline at end of file');
      else out.push(`${prefix}${line}`);
    }
    i = stop;
  }
  return `${out.join('\n')}\n`;
}

/** The line index on side `side` at which op `at` starts (the number of that side's lines before it). */
function firstIndex(ops: readonly DiffOp[], at: number, side: 'a' | 'b'): number {
  let count = 0;
  for (let i = 0; i < at; i += 1) {
    const op = ops[i] as DiffOp;
    if (side === 'a' ? op.kind !== 'insert' : op.kind !== 'delete') count += 1;
  }
  return count;
}

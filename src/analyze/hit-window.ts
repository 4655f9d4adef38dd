/** One timed hit of an aggregating rule: its time (ms), weight (events) and place in the pass. */
interface Hit {
  t: number;
  w: number;
  seq: number;
}

/**
 * The sliding time window of one aggregation bucket (`aggregate.within`): does any stretch of `within` seconds hold
 * at least N hits? Streaming and bounded: instead of every hit it keeps the largest window weight seen so far (capped
 * at N: more is never needed), the weight of hits without a time (they count as inside every window), and at most
 * N-1 hits at each end: the last ones, which later hits may share a window with, and the first ones, which the last
 * hits of the read job before may share a window with once the two are merged (a burst straddling `auth.log.1` and
 * `auth.log`). Once N is reached the bucket has fired and keeps nothing more.
 *
 * Exact when the jobs of a host are merged in time order and each job's lines are in time order (what logs are);
 * otherwise it can miss a window, never invent one.
 */
export class HitWindow {
  /** Weight of the hits without a time. */
  private untimed = 0;
  /** Largest weight of timed hits within one window so far, capped at `cap`. */
  private best = 0;
  private head: Hit[] = [];
  private tail: Hit[] = [];
  private tailStart = 0;
  private tailWeight = 0;

  /**
   * @param withinMs the window length
   * @param cap N, the hits the aggregate needs (the window keeps N-1 hits at each end)
   */
  constructor(
    readonly withinMs: number,
    readonly cap: number,
  ) {}

  /** Adds a hit at `timeMs` (NaN: the line had no time) standing for `weight` events, numbered `seq` in the pass. */
  add(timeMs: number, weight: number, seq: number): void {
    if (Number.isNaN(timeMs)) {
      this.untimed += weight;
      return;
    }
    if (this.isFull()) return;
    const hit = { t: timeMs, w: weight, seq };
    if (this.head.length < this.cap - 1) this.head.push(hit);
    this.slide(hit);
    if (this.isFull()) this.release();
  }

  /** Whether `minCount` hits fell within one window (hits without a time count in every window). */
  fires(minCount: number): boolean {
    return this.untimed + this.best >= minCount;
  }

  /** Folds in the window of another batch of the same bucket (usually read after this one). */
  merge(other: HitWindow): void {
    this.untimed += other.untimed;
    this.best = Math.max(this.best, other.best);
    if (this.isFull()) {
      this.release();
      return;
    }
    // Windows spanning both batches consist of kept hits only (see the class comment): replay them in time order.
    const seen = new Set<number>();
    const union: Hit[] = [];
    for (const hit of [...this.head, ...this.liveTail(), ...other.head, ...other.liveTail()]) {
      if (seen.has(hit.seq)) continue;
      seen.add(hit.seq);
      union.push(hit);
    }
    union.sort((a, b) => a.t - b.t || a.seq - b.seq);
    this.head = union.slice(0, Math.max(0, this.cap - 1));
    this.tail = [];
    this.tailStart = 0;
    this.tailWeight = 0;
    for (const hit of union) this.slide(hit);
    if (this.isFull()) this.release();
  }

  /** Hits held right now (head and tail; at most 2(N-1), none once fired). */
  get keptHits(): number {
    return this.head.length + this.tail.length - this.tailStart;
  }

  clone(): HitWindow {
    const copy = new HitWindow(this.withinMs, this.cap);
    copy.untimed = this.untimed;
    copy.best = this.best;
    copy.head = [...this.head];
    copy.tail = this.liveTail();
    copy.tailWeight = this.tailWeight;
    return copy;
  }

  private isFull(): boolean {
    return this.best >= this.cap;
  }

  private release(): void {
    this.head = [];
    this.tail = [];
    this.tailStart = 0;
    this.tailWeight = 0;
  }

  private liveTail(): Hit[] {
    return this.tail.slice(this.tailStart);
  }

  private slide(hit: Hit): void {
    this.tail.push(hit);
    this.tailWeight += hit.w;
    const from = hit.t - this.withinMs;
    // The new hit itself is never older than `from`, so this stops at it at the latest.
    while ((this.tail[this.tailStart] as Hit).t < from) this.dropOldest();
    this.best = Math.max(this.best, Math.min(this.tailWeight, this.cap));
    // N-1 hits are enough: a later window holding all of them plus its own hit already has N.
    while (this.tail.length - this.tailStart > this.cap - 1) this.dropOldest();
    if (this.tailStart > 32 && this.tailStart * 2 > this.tail.length) {
      this.tail = this.liveTail();
      this.tailStart = 0;
    }
  }

  private dropOldest(): void {
    this.tailWeight -= (this.tail[this.tailStart] as Hit).w;
    this.tailStart += 1;
  }
}

/**
 * A record's `time` (ISO 8601 as the collector writes it: `2026-11-25T18:42:51`, with optional fraction and zone)
 * in milliseconds, or NaN. A stamp without a zone (traditional syslog, host-local time) is read as UTC: windows only
 * compare times of one host.
 */
export function recordTimeMs(time: string | null): number {
  if (time === null || time.length < 19 || time.charCodeAt(10) !== 84 /* T */) return Number.NaN;
  const ms = Date.UTC(
    num(time, 0, 4),
    num(time, 5, 7) - 1,
    num(time, 8, 10),
    num(time, 11, 13),
    num(time, 14, 16),
    num(time, 17, 19),
  );
  let i = 19;
  let fraction = 0;
  if (time.charCodeAt(i) === 46 /* . */) {
    let scale = 100;
    for (i += 1; i < time.length && isDigit(time.charCodeAt(i)); i += 1) {
      fraction += (time.charCodeAt(i) - 48) * scale;
      scale /= 10;
    }
  }
  return ms + fraction - zoneOffsetMs(time, i);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function num(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return Number.NaN;
    n = n * 10 + c - 48;
  }
  return n;
}

/** `Z`, `+01:00`, `-0500`, or nothing (0). */
function zoneOffsetMs(time: string, at: number): number {
  const sign = time[at];
  if (sign !== '+' && sign !== '-') return 0;
  const hours = num(time, at + 1, at + 3);
  const minutes = time[at + 3] === ':' ? num(time, at + 4, at + 6) : num(time, at + 3, at + 5);
  const offset = (hours * 60 + minutes) * 60_000;
  return sign === '+' ? offset : -offset;
}

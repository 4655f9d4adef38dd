/**
 * `serve --schedule`: passes in-process, for containers without cron. A schedule is a 5-field cron expression (the
 * same syntax as report schedules: names, steps, `@hourly`, `CRON_TZ=`) or `@every <duration>` (`@every 30s`,
 * `@every 5m`). A tick that comes while a pass is still running is skipped (one log line): never two passes at once
 * in this process, and the pass lock keeps other processes' `run` out as usual.
 */
import { parseDurationSeconds } from '../config/schema-primitives.js';
import type { LogFields, Logger } from '../log/logger.js';
import { lastCronTimeBetween, parseCron, type CronSchedule } from '../report/schedule.js';
import type { Clock } from '../types.js';

export type PassSchedule = { kind: 'every'; text: string; ms: number } | { kind: 'cron'; text: string; cron: CronSchedule };

/** Shorter intervals would only ever skip: a pass takes at least a second. */
const MIN_EVERY_MS = 1_000;
const MINUTE_MS = 60_000;
/** How far ahead a cron search looks (lastCronTimeBetween looks back at most 400 days). */
const MAX_SEARCH_MS = 366 * 86_400_000;

/** Parses `--schedule`. @throws Error with a one-line reason. */
export function parseSchedule(text: string): PassSchedule {
  const trimmed = text.trim();
  const every = /^@every\s+(.+)$/i.exec(trimmed);
  if (every) {
    const seconds = parseDurationSeconds((every[1] as string).trim());
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds * 1000 < MIN_EVERY_MS) {
      throw new Error(`"${trimmed}": expected @every with a duration of at least 1s, such as @every 30s, @every 5m or @every 1h`);
    }
    return { kind: 'every', text: trimmed, ms: Math.round(seconds * 1000) };
  }
  let cron: CronSchedule;
  try {
    cron = parseCron(trimmed);
  } catch (err) {
    throw new Error(`"${trimmed}": ${(err as Error).message} (or use @every 30s, @every 5m)`);
  }
  const schedule: PassSchedule = { kind: 'cron', text: trimmed, cron };
  if (nextFireTime(schedule, new Date()) === null) throw new Error(`"${trimmed}": never fires within a year`);
  return schedule;
}

/**
 * The first fire time strictly after `after` (minute resolution for cron), or null when there is none within a
 * year. For `@every`, `after` plus the interval.
 */
export function nextFireTime(schedule: PassSchedule, after: Date): Date | null {
  if (schedule.kind === 'every') return new Date(after.getTime() + schedule.ms);
  // lastCronTimeBetween finds the LATEST time in a window: grow the window until it holds one, then narrow it down
  // to the earliest (the window is at most twice the distance to the first time, so this stays short).
  const from = after.getTime();
  for (let span = MINUTE_MS; ; span = Math.min(span * 2, MAX_SEARCH_MS)) {
    let found = lastCronTimeBetween(schedule.cron, after, new Date(from + span));
    if (found) {
      for (;;) {
        const earlier = lastCronTimeBetween(schedule.cron, after, new Date(found.getTime() - 1));
        if (!earlier) return found;
        found = earlier;
      }
    }
    if (span >= MAX_SEARCH_MS) return null;
  }
}

/** The usual gap between two passes (for /health): the interval, or the gap between the next two cron times. */
export function scheduleIntervalMs(schedule: PassSchedule, now: Date): number | null {
  if (schedule.kind === 'every') return schedule.ms;
  const first = nextFireTime(schedule, now);
  const second = first ? nextFireTime(schedule, first) : null;
  return first && second ? second.getTime() - first.getTime() : null;
}

/** What a tick did, and the fields of its log event (`runId`, `hostCount`, ...). */
export type TickOutcome = { kind: 'done' | 'skipped' | 'failed'; message: string; fields?: LogFields };

/** done: info; skipped (the pass lock is held elsewhere): warn; failed: error. */
const OUTCOME_LEVELS = { done: 'info', skipped: 'warn', failed: 'error' } as const;

export interface SchedulerOptions {
  schedule: PassSchedule;
  /** Runs one pass; resolves with what to log. Must not throw (a throw is logged as failed). */
  runPass: () => Promise<TickOutcome>;
  /** Each pass's start and end; skipped ticks (warn). */
  log: Logger;
  clock?: Clock;
}

export interface Scheduler {
  /** True while a pass started by this scheduler runs. */
  isRunning(): boolean;
  /** The next fire time, or null once stopped. */
  next(): Date | null;
  /** No more ticks; waits for a running pass at most `waitMs`. @returns false when it was still running then. */
  stop(waitMs: number): Promise<boolean>;
}

/** Node timers hold at most 2^31-1 ms; a far tick is reached in steps. */
const MAX_TIMER_MS = 2_147_000_000;

/** Starts ticking. Ticks are planned from the schedule, not from pass ends, so a slow pass does not shift them. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const clock = options.clock ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let nextAt: Date | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const plan = (after: Date): void => {
    if (stopped) return;
    nextAt = nextFireTime(options.schedule, after);
    if (!nextAt) {
      options.log.warn(`schedule "${options.schedule.text}": no next time; no more passes`);
      return;
    }
    arm();
  };
  const arm = (): void => {
    if (stopped || !nextAt) return;
    const delay = nextAt.getTime() - clock().getTime();
    timer = setTimeout(delay > MAX_TIMER_MS ? arm : tick, Math.min(Math.max(0, delay), MAX_TIMER_MS));
  };
  const tick = (): void => {
    const firedAt = nextAt ?? clock();
    if (running) {
      options.log.warn(`schedule: tick at ${firedAt.toISOString()} skipped: the previous pass is still running`, { tick: firedAt.toISOString() });
    } else {
      options.log.info(`schedule: tick at ${firedAt.toISOString()}: starting a pass`, { tick: firedAt.toISOString() });
      running = options
        .runPass()
        .catch((err: unknown): TickOutcome => ({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }))
        .then((outcome) => {
          const message = `schedule: ${outcome.kind === 'done' ? '' : `${outcome.kind}: `}${outcome.message.split('\n')[0]}`;
          options.log[OUTCOME_LEVELS[outcome.kind]](message, { outcome: outcome.kind, ...outcome.fields });
        })
        .finally(() => {
          running = null;
        });
    }
    // From the planned time, and past now: a tick missed by a long event-loop stall is not run twice.
    let after = firedAt;
    const now = clock();
    if (options.schedule.kind === 'every' && now.getTime() - after.getTime() > options.schedule.ms) after = now;
    plan(after.getTime() < now.getTime() && options.schedule.kind === 'cron' ? now : after);
  };

  plan(clock());
  return {
    isRunning: () => running !== null,
    next: () => (stopped ? null : nextAt),
    stop: async (waitMs) => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (!running) return true;
      let waited: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        running.then(() => true),
        new Promise<boolean>((resolve) => {
          waited = setTimeout(() => resolve(false), waitMs);
        }),
      ]);
      clearTimeout(waited);
      return finished;
    },
  };
}

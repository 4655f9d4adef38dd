import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostFacts, HostSnapshot, LogRecord, PreviousHostState, ResolvedHost } from '../../../src/types.js';
import { DEFAULT_BANDS, makeHost as baseHost } from '../../helpers/host.js';

/** Test fixtures root (`test/fixtures`). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

export function readFixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'utf8');
}

export { DEFAULT_BANDS };

const TRADITIONAL = /^[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} (\S+) (.*)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\S+ (\S+) (.*)$/;
const TAG = /^([^\s[\]:]+)(?:\[(\d+)\])?: ?(.*)$/;

/**
 * Log text -> records, the way the collector hands them over (syslog header split off, kernel uptime stamp
 * dropped). Kept independent of src/collect so these tests pin analysis alone.
 */
export function recordsFromLog(text: string, source: string): LogRecord[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const header = TRADITIONAL.exec(line) ?? RFC3339.exec(line);
      const tag = header?.[2] !== undefined ? TAG.exec(header[2]) : null;
      if (!header || !tag) return { source, line, time: null, hostname: null, program: null, pid: null, message: line };
      const program = tag[1] ?? null;
      const message = tag[3] ?? '';
      return {
        source,
        line,
        time: null,
        hostname: header[1] ?? null,
        program,
        pid: tag[2] === undefined ? null : Number(tag[2]),
        message: program === 'kernel' ? message.replace(/^\[\s*\d+\.\d+\]\s?/, '') : message,
      };
    });
}

export function makeHost(overrides: Partial<ResolvedHost> = {}): ResolvedHost {
  return baseHost({
    site: 's01-home',
    tags: ['web', 'prod'],
    logs: ['/var/log/auth.log', '/var/log/kern.log'],
    ...overrides,
  });
}

export function makeFacts(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    hostname: 'web-01.example.net',
    os: { id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: '6.1.0-27-amd64',
    uptimeSeconds: 12 * 86400 + 3 * 3600 + 4 * 60,
    load: { one: 0.5, five: 0.4, fifteen: 0.3 },
    cpu: { cores: 4, usedPercent: 12 },
    memory: {
      totalBytes: 8 * 1024 ** 3,
      availableBytes: 6 * 1024 ** 3,
      usedPercent: 25,
      swapTotalBytes: 1024 ** 3,
      swapUsedBytes: 0,
    },
    disks: [
      { mount: '/', filesystem: '/dev/sda1', sizeBytes: 50 * 1024 ** 3, usedBytes: 10 * 1024 ** 3, availBytes: 40 * 1024 ** 3, usedPercent: 20 },
    ],
    users: [],
    ...overrides,
  };
}

export const NO_PREVIOUS: PreviousHostState = {
  hostId: null,
  cursors: [],
  lastScore: null,
  lastRunAt: null,
  consecutiveFailures: 0,
  baselines: {},
};

/**
 * A snapshot fixture folder: `snapshot.json` (a HostSnapshot without `logs`, plus `logFiles`: host path -> file in
 * the folder) and the log files, turned into records.
 */
export function loadSnapshotFixture(...parts: string[]): HostSnapshot {
  const raw = JSON.parse(readFixture(...parts, 'snapshot.json')) as Omit<HostSnapshot, 'logs'> & {
    logFiles?: Record<string, string>;
  };
  const { logFiles = {}, ...snapshot } = raw;
  const logs = Object.entries(logFiles).flatMap(([source, file]) => recordsFromLog(readFixture(...parts, file), source));
  return { ...snapshot, logs };
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostFacts, HostSnapshot, LogRecord, PreviousHostState, ResolvedHost } from '../../../src/types.js';
import { DEFAULT_BANDS, makeHost as baseHost } from '../../helpers/host.js';
import { parseSyslogLine } from '../../../src/collect/parsers/syslog-line.js';

/** Test fixtures root (`test/fixtures`). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

export function readFixture(...parts: string[]): string {
  return readFileSync(join(FIXTURES, ...parts), 'utf8');
}

export { DEFAULT_BANDS };

const REFERENCE = new Date('2026-11-25T12:00:00Z');

/** Log text -> records exactly as the collector hands them over (the collector's own syslog parser). */
export function recordsFromLog(text: string, source: string): LogRecord[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ({ source, line, ...parseSyslogLine(line, REFERENCE) }));
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
    cpu: { cores: 4, usedPercent: 12, windowSeconds: 900, counters: null },
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

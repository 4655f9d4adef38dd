/** Plain stage data for the store tests: hosts, snapshots and analyses as the other stages produce them. */
import { makeHost } from '../../helpers/host.js';
import type { Finding, HostAnalysis, HostFacts, HostSnapshot, ResolvedHost } from '../../../src/types.js';

export function sampleHost(name: string, overrides: Partial<ResolvedHost> = {}): ResolvedHost {
  return makeHost({
    name,
    hostname: `${name}.example.net`,
    site: 's01-lab',
    tags: ['web', 'prod'],
    logs: ['/var/log/auth.log'],
    ssh: { keyPath: '/opt/dthostmon/keys/id_ed25519', connectTimeoutMs: 10000 },
    ...overrides,
  });
}

export function sampleFacts(): HostFacts {
  return {
    hostname: 'web1',
    os: { id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: '6.1.0-18-amd64',
    uptimeSeconds: 86400,
    load: { one: 0.5, five: 0.25, fifteen: 0.125 },
    cpu: { cores: 4, usedPercent: 12.5, windowSeconds: 1, counters: { totalJiffies: 1000, idleJiffies: 875, at: '2026-11-25T10:00:00.000Z' } },
    memory: {
      totalBytes: 8 * 2 ** 30,
      availableBytes: 6 * 2 ** 30,
      usedPercent: 25,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    },
    disks: [
      { mount: '/', filesystem: '/dev/sda1', sizeBytes: 64 * 2 ** 30, usedBytes: 48 * 2 ** 30, availBytes: 16 * 2 ** 30, usedPercent: 75 },
      { mount: '/srv', filesystem: '/dev/sdb1', sizeBytes: 8 * 2 ** 40, usedBytes: 2 ** 40, availBytes: 7 * 2 ** 40, usedPercent: 12.5 },
    ],
    users: [
      { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' },
      { name: 'dtmon', uid: 1001, gid: 1001, home: '/home/dtmon', shell: '/bin/sh' },
    ],
  };
}

export function sampleSnapshot(overrides: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    host: 'web1',
    collectedAt: '2026-03-01T10:00:05.000Z',
    durationMs: 4200,
    reachable: true,
    facts: sampleFacts(),
    logs: [],
    logSources: [
      { pattern: '/var/log/auth.log', path: '/var/log/auth.log', status: 'read', bytesRead: 2048, linesRead: 20, skippedBytes: 0 },
      { pattern: '/var/log/syslog', path: '/var/log/syslog', status: 'read', bytesRead: 4096, linesRead: 30, skippedBytes: 0 },
    ],
    // An inode and offset past 2^32 check the bigint columns round-trip as numbers.
    cursors: [
      { path: '/var/log/auth.log', inode: 2 ** 33 + 7, offset: 2 ** 32 + 2048, fingerprint: '3054159393', fingerprintLen: 512 },
      { path: '/var/log/syslog', inode: 1234, offset: 4096, fingerprint: '42', fingerprintLen: 512 },
    ],
    failures: [],
    ...overrides,
  };
}

/** A dead host: no connection, no facts, no cursors. */
export function unreachableSnapshot(): HostSnapshot {
  return sampleSnapshot({
    reachable: false,
    facts: null,
    logSources: [],
    cursors: [],
    failures: [{ source: 'connect', message: 'connect ECONNREFUSED 10.0.0.5:22' }],
  });
}

export function sampleFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    category: 'auth.bruteforce',
    severity: 'crit',
    ruleId: 'sshd.failed_password',
    title: '42 failed SSH logins from 203.0.113.9',
    key: 'auth.bruteforce:203.0.113.9',
    subject: '203.0.113.9',
    count: 42,
    evidence: [{ source: '/var/log/auth.log', lines: ['Failed password for root from 203.0.113.9 port 4242 ssh2'] }],
    recommendation: 'Block 203.0.113.9 at the firewall.',
    ...overrides,
  };
}

export function sampleAnalysis(findings: Finding[] = [sampleFinding()]): HostAnalysis {
  return {
    findings,
    score: 72,
    status: 'minor',
    reasons: [{ points: 28, reason: '42 failed SSH logins', category: 'auth.bruteforce' }],
  };
}

import { HostLogStream } from '../../../src/analyze/log-stream.js';
import { packageFindings, PackageTransactions } from '../../../src/analyze/packages.js';
import { readFixture, recordsFromLog } from './helpers.js';

const HISTORY = '/var/log/apt/history.log';
const DPKG = '/var/log/dpkg.log';
const plain = (l: string): string => l;

function transactionsOf(...files: Array<[string, string]>): PackageTransactions {
  const all = new PackageTransactions();
  for (const [name, source] of files) {
    const part = new PackageTransactions();
    for (const record of recordsFromLog(readFixture('analyze', 'packages', name), source)) part.add(record);
    part.finish();
    all.merge(part);
  }
  return all;
}

describe('package transactions', () => {
  it("on a host's first pass, transactions more than two days old are one history item", () => {
    const all = transactionsOf(['history.log', HISTORY], ['dpkg.log', DPKG]);
    // The pass runs on 2026-11-27 11:00: the transactions up to 2026-11-25 11:00 are history.
    const findings = packageFindings(all, plain, { firstPassAt: new Date('2026-11-27T11:00:00Z') });
    expect(findings.map((f) => [f.key, f.count])).toEqual([
      ['package.upgraded:history', 5],
      ['package.removed:2026-11-25 11:10:01', 1],
      ['package.upgraded:2026-11-25 11:40:00', 1],
      ['package.installed:2026-11-25 12:00:00', 1],
    ]);
    expect(findings[0]?.title).toBe('2 earlier package transactions (2026-11-25 06:25:12 to 2026-11-25 10:02:44) read on the first pass: history, not listed one by one');
    // Any later pass lists every transaction it reads.
    expect(packageFindings(all, plain, { firstPassAt: null })).toHaveLength(5);
  });

  it('one finding per apt transaction, naming its packages; dpkg runs inside apt are not repeated', () => {
    const findings = packageFindings(transactionsOf(['history.log', HISTORY], ['dpkg.log', DPKG]), plain);
    expect(findings.map((f) => [f.key, f.severity, f.count, f.ruleId])).toEqual([
      ['package.upgraded:2026-11-25 06:25:12', 'info', 2, 'package.apt_transaction'],
      ['package.installed:2026-11-25 10:02:44', 'info', 3, 'package.apt_transaction'],
      ['package.removed:2026-11-25 11:10:01', 'info', 1, 'package.apt_transaction'],
      ['package.upgraded:2026-11-25 11:40:00', 'info', 1, 'package.apt_transaction'],
      ['package.installed:2026-11-25 12:00:00', 'info', 1, 'package.dpkg_transaction'],
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'Packages changed at 2026-11-25 06:25:12 by /usr/bin/unattended-upgrade: 2 upgraded (libssl3, openssl)',
      'Packages changed at 2026-11-25 10:02:44 by apt install nginx: 3 installed (nginx, nginx-common, libnginx-mod-http-geoip)',
      'Packages changed at 2026-11-25 11:10:01 by apt purge telnet: 1 removed (telnet)',
      'Packages changed at 2026-11-25 11:40:00 by apt upgrade: 1 upgraded (curl)',
      'Packages changed at 2026-11-25 12:00:00 by dpkg: 1 installed (mytool)',
    ]);
    expect(findings[1]?.evidence[0]).toEqual({
      source: HISTORY,
      lines: ['Commandline: apt install nginx', 'Requested-By: alice (1000)', 'installed: nginx nginx-common libnginx-mod-http-geoip'],
      values: { installed: 3, upgraded: 0, removed: 0 },
    });
    // The last stanza has no End-Date yet: apt was still running while the log was read.
    expect(findings[3]?.evidence[0]?.lines).toContain('(still running when the log was read: the rest arrives next pass)');
  });

  it('counts through the log stream only for committed batches, decided per source', () => {
    const stream = new HostLogStream();
    const history = stream.batchFor(HISTORY);
    for (const record of recordsFromLog(readFixture('analyze', 'packages', 'history.log'), HISTORY)) history.add(record);
    const cut = stream.batchFor(DPKG);
    for (const record of recordsFromLog(readFixture('analyze', 'packages', 'dpkg.log'), DPKG)) cut.add(record);
    history.commit();
    cut.discard();
    expect(packageFindings(stream.packages, plain).map((f) => f.ruleId)).toEqual(Array(4).fill('package.apt_transaction'));
  });
});

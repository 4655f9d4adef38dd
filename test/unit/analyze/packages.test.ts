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

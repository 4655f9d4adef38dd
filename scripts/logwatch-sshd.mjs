// logwatch's sshd report next to dthostmon's findings, for `npm run bench:analyze` (issue #4): running logwatch on an
// arbitrary file, reading the failed users and source IPs out of its report, and checking that our findings name
// every one of them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's logwatch package puts the command; null when it is not installed. */
export function logwatchPath() {
  if (existsSync('/usr/sbin/logwatch')) return '/usr/sbin/logwatch';
  const found = spawnSync('sh', ['-c', 'command -v logwatch'], { encoding: 'utf8' }).stdout.trim();
  return found === '' ? null : found;
}

/**
 * The arguments of the logwatch run over `dir`/auth.log: logwatch reads a service's log group (`secure`:
 * auth.log, secure, ...) from `--logdir` instead of /var/log, so a directory holding only our file makes it read
 * exactly that file.
 */
export function logwatchArgs(dir, hostname) {
  return ['--logdir', dir, '--service', 'sshd', '--range', 'All', '--detail', 'High', '--numeric', '--output', 'stdout', '--format', 'text', '--hostname', hostname];
}

// `   <ip>: <n> Time(s)` heads an address, `      <user>[/<method>]: <n> Time(s)` lists its users (logwatch's
// sshd script, detail >= 5). Addresses may be IPv6 (colons), user names may hold spaces: the count ends the line.
const ADDRESS_LINE = /^ {4}(\S+): \d+ Times?$/;
const USER_LINE = /^ {7}(.+): \d+ Times?$/;

/**
 * The failed users and source IPs of logwatch's sshd report: the "Failed logins from" section (existing users,
 * `user/method`) and the "Illegal users from" section (unknown user names, including the `Failed ... for invalid
 * user` lines). Users of the first section lose their `/method`.
 */
export function parseLogwatchSshd(report) {
  const ips = new Set();
  const users = new Set();
  let section = null;
  for (const line of report.split('\n')) {
    if (/^ ?Failed logins from:$/.test(line)) section = 'failed';
    else if (/^ ?Illegal users from(?: \(.*\))?:$/.test(line)) section = 'illegal';
    else if (line.trim() === '') section = null;
    else if (section !== null) {
      const address = ADDRESS_LINE.exec(line);
      const user = address ? null : USER_LINE.exec(line);
      if (address?.[1]) ips.add(address[1]);
      else if (user?.[1]) users.add(section === 'failed' ? user[1].replace(/\/[^/]*$/, '') : user[1]);
      else section = null;
    }
  }
  return { ips, users };
}

const AUTH_CATEGORIES = new Set(['auth.failed_login', 'auth.invalid_user', 'auth.bruteforce']);
// The user name in the sshd lines the auth findings keep as examples (the same formats logwatch reads).
const EVIDENCE_USER = [
  /\bFailed \S+ for (?:invalid user )?(.*) from \S+ port \d+/,
  /\bInvalid user (.*) from \S+(?: port \d+)?/,
  /\bmaximum authentication attempts exceeded for (?:invalid user )?(.*) from \S+ port \d+/,
];

/**
 * What our auth findings (failed logins, invalid users, brute force) say about failed users and source IPs: the IP
 * of each finding's subject, and the user names of its evidence (the `users` value and the example lines).
 */
export function namedByFindings(findings) {
  const ips = new Set();
  const users = new Set();
  for (const finding of findings) {
    if (!AUTH_CATEGORIES.has(finding.category)) continue;
    if (finding.subject) ips.add(finding.subject);
    for (const evidence of finding.evidence) {
      for (const name of String(evidence.values?.users ?? '').split(', ')) if (name !== '') users.add(name);
      for (const line of evidence.lines ?? []) {
        for (const pattern of EVIDENCE_USER) {
          const user = pattern.exec(line)?.[1];
          if (user !== undefined) users.add(user);
        }
      }
    }
  }
  return { ips, users };
}

/** Which of logwatch's users and IPs our findings do not name (empty lists: coverage complete). */
export function coverage(logwatch, ours) {
  const missing = (theirs, mine) => [...theirs].filter((x) => !mine.has(x)).sort();
  return {
    users: { reported: logwatch.users.size, missing: missing(logwatch.users, ours.users) },
    ips: { reported: logwatch.ips.size, missing: missing(logwatch.ips, ours.ips) },
  };
}

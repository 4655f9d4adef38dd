#!/usr/bin/env node
// Deterministic synthetic Debian syslog + auth.log mix for `npm run bench:analyze` (issue #4): the auth lines of
// gen-authlog.mjs (re-stamped), sshd failures of real user names and a long tail of guessed ones (what logwatch's
// "Failed logins" and "Illegal users" sections list), and the system lines that dominate a real syslog: cron,
// systemd, systemd-logind, kernel (UFW, I/O errors, OOM), sudo, postfix, dhclient, rsyslogd and an application
// whose lines carry numbers, UUIDs and hex ids (so that the template scan does real work). A few lines of each kind
// match built-in rules, so rule dispatch, matching and aggregation run as they do on a real host.
// usage: node scripts/gen-syslog-mix.mjs N [host] > syslog
import { authLogLines } from './gen-authlog.mjs';

/** First stamp of the mix (UTC, written as host-local time like rsyslog's traditional format). */
export const MIX_START_MS = Date.UTC(2026, 10, 20, 0, 0, 0);
/** Lines are 0 to this many ms apart (40 ms on average: 1 M lines span about 11 hours). */
const MAX_STEP_MS = 80;

/**
 * A date after every stamp of a mix of up to 50 M lines, for the parser's year inference (a pass dates lines
 * without a year by the time it starts).
 */
export const MIX_REFERENCE = new Date(MIX_START_MS + 50_000_000 * MAX_STEP_MS);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HEX = '0123456789abcdef';

/**
 * `n` deterministic lines (each ending in `\n`) for `host`: the same lines for the same `seed`, whatever the day.
 * About 45 % are auth lines (sshd, CRON pam, sudo), the rest system and application lines.
 */
export function* syslogMixLines(n, host = 'web-01', seed = 42) {
  let s = seed >>> 0;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const int = (a, b) => a + Math.floor(rnd() * (b - a + 1));
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const hex = (len) => {
    let out = '';
    for (let i = 0; i < len; i++) out += HEX[Math.floor(rnd() * 16)];
    return out;
  };
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const attackers = [...Array.from({ length: 20 }, (_, i) => `192.0.2.${i + 100}`), ...Array.from({ length: 12 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`)];
  const realUsers = ['root', 'alice', 'bob', 'deploy', 'backup'];
  // A long tail of guessed names: logwatch lists every one, so must we.
  const guessed = Array.from({ length: 120 }, (_, i) => `${pick(['svc', 'user', 'ftp', 'web', 'db', 'git', 'dev'])}${i}`);
  const apps = ['orders', 'billing', 'search'];
  const units = ['nginx.service', 'php8.2-fpm.service', 'postgresql@15-main.service', 'redis-server.service'];
  const auth = authLogLines(n, host, seed);
  const authHeader = 16 + host.length + 1;
  let t = MIX_START_MS;
  let session = 1000;
  for (let i = 0; i < n; i++) {
    t += int(0, MAX_STEP_MS);
    const d = new Date(t);
    const ts = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${d.toISOString().slice(11, 19)}`;
    const pid = int(1000, 60000);
    const r = rnd();
    let m;
    if (r < 0.45) {
      // gen-authlog.mjs's line without its own stamp and host (its generator advances with ours, one line each).
      m = auth.next().value.slice(authHeader, -1);
    } else if (r < 0.47) {
      m = `sshd[${pid}]: Failed password for ${pick(realUsers)} from ${pick(attackers)} port ${int(1024, 65535)} ssh2`;
    } else if (r < 0.475) {
      m = `sshd[${pid}]: Failed password for invalid user ${pick(guessed)} from ${pick(attackers)} port ${int(1024, 65535)} ssh2`;
    } else if (r < 0.4755) {
      m = `sshd[${pid}]: error: maximum authentication attempts exceeded for invalid user ${pick(guessed)} from ${pick(attackers)} port ${int(1024, 65535)} ssh2 [preauth]`;
    } else if (r < 0.53) {
      m = pick([
        `CRON[${pid}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)`,
        `CRON[${pid}]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)`,
        `CRON[${pid}]: (www-data) CMD (php /var/www/app/artisan schedule:run >> /dev/null 2>&1)`,
      ]);
    } else if (r < 0.62) {
      session++;
      const user = pick(realUsers);
      m = pick([
        `systemd[1]: Started session-${session}.scope - Session ${session} of User ${user}.`,
        `systemd-logind[612]: New session ${session} of user ${user}.`,
        `systemd-logind[612]: Session ${session - 3} logged out. Waiting for processes to exit.`,
        `systemd-logind[612]: Removed session ${session - 3}.`,
        `systemd[1]: session-${session - 3}.scope: Deactivated successfully.`,
        `systemd[1]: Starting apt-daily.service - Daily apt download activities...`,
        `systemd[1]: apt-daily.service: Deactivated successfully.`,
        `systemd[1]: Finished apt-daily.service - Daily apt download activities.`,
        `systemd[1]: Started user@${int(1000, 1004)}.service - User Manager for UID ${int(1000, 1004)}.`,
      ]);
    } else if (r < 0.66) {
      m = `kernel: [${int(100, 999999)}.${String(int(0, 999999)).padStart(6, '0')}] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:${hex(2)}:${hex(2)}:${hex(2)}:fe:ff:ff:ff:ff:ff:08:00 SRC=${pick(attackers)} DST=10.0.0.5 LEN=${int(40, 60)} TOS=0x00 PREC=0x00 TTL=${int(40, 250)} ID=${int(1, 65535)} PROTO=TCP SPT=${int(1024, 65535)} DPT=${pick([22, 23, 80, 443, 3389, 5432])} WINDOW=1024 RES=0x00 SYN URGP=0`;
    } else if (r < 0.69) {
      m = pick([
        `sudo: pam_unix(sudo:session): session opened for user root(uid=0) by ${pick(realUsers)}(uid=${int(1000, 1004)})`,
        `sudo: pam_unix(sudo:session): session closed for user root`,
      ]);
    } else if (r < 0.76) {
      const id = hex(10).toUpperCase();
      const peer = `${pick(['mail.example.net', 'unknown', 'mx2.example.org'])}[203.0.113.${int(1, 250)}]`;
      m = pick([
        `postfix/smtpd[${pid}]: connect from ${peer}`,
        `postfix/smtpd[${pid}]: disconnect from ${peer} ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`,
        `postfix/smtpd[${pid}]: ${id}: client=${peer}`,
        `postfix/cleanup[${pid}]: ${id}: message-id=<${uuid()}@example.org>`,
        `postfix/qmgr[811]: ${id}: from=<app@example.org>, size=${int(800, 90000)}, nrcpt=1 (queue active)`,
        `postfix/smtp[${pid}]: ${id}: to=<ops@example.com>, relay=mx.example.com[192.0.2.25]:25, delay=${int(0, 9)}.${int(10, 99)}, delays=0.01/0/0.${int(1, 9)}/0.${int(1, 9)}, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${hex(10).toUpperCase()})`,
        `postfix/qmgr[811]: ${id}: removed`,
      ]);
    } else if (r < 0.97) {
      const app = pick(apps);
      m = pick([
        `${app}[${int(2000, 2100)}]: request id=${uuid()} method=${pick(['GET', 'POST'])} path=/api/v1/${app}/${int(1, 999999)} status=${pick([200, 200, 200, 201, 204, 304, 404])} duration_ms=${int(1, 900)}.${int(0, 9)}`,
        `${app}[${int(2000, 2100)}]: worker ${int(1, 16)} processed job ${uuid()} in ${int(3, 5000)} ms`,
        `${app}[${int(2000, 2100)}]: cache hit ratio ${int(50, 99)}.${int(0, 99)}% (${int(1000, 99999)} keys, ${int(1, 512)} MiB)`,
        `${app}[${int(2000, 2100)}]: user ${pick(realUsers)} exported report ${hex(24)} (${int(1, 5000)} rows)`,
        `${app}[${int(2000, 2100)}]: healthcheck ok`,
      ]);
    } else if (r < 0.985) {
      m = pick([
        `dhclient[${int(500, 600)}]: DHCPREQUEST for 10.0.0.5 on eth0 to 10.0.0.1 port 67`,
        `dhclient[${int(500, 600)}]: DHCPACK of 10.0.0.5 from 10.0.0.1`,
        `dhclient[${int(500, 600)}]: bound to 10.0.0.5 -- renewal in ${int(1000, 40000)} seconds.`,
        `rsyslogd: [origin software="rsyslogd" swVersion="8.2302.0" x-pid="${int(400, 600)}" x-info="https://www.rsyslog.com"] rsyslogd was HUPed`,
      ]);
    } else {
      // Rare lines the built-in rules report (errors, failed units, OOM, I/O): findings, not only new patterns.
      const unit = pick(units);
      m = pick([
        `${pick(apps)}[${int(2000, 2100)}]: ERROR failed to connect to db at 10.0.0.12:5432: connection refused (attempt ${int(1, 5)})`,
        `systemd[1]: ${unit}: Main process exited, code=exited, status=1/FAILURE`,
        `systemd[1]: ${unit}: Failed with result 'exit-code'.`,
        `systemd[1]: ${unit}: Scheduled restart job, restart counter is at ${int(1, 9)}.`,
        `kernel: [${int(100, 999999)}.${String(int(0, 999999)).padStart(6, '0')}] Out of memory: Killed process ${pid} (${pick(apps)}) total-vm:${int(100000, 4000000)}kB, anon-rss:${int(100000, 2000000)}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:${int(1000, 5000)}kB oom_score_adj:0`,
        `kernel: [${int(100, 999999)}.${String(int(0, 999999)).padStart(6, '0')}] blk_update_request: I/O error, dev sdb, sector ${int(1, 999999999)} op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0`,
        `CRON[${pid}]: (CRON) error (grandchild #${pid + 1} failed with exit status ${int(1, 2)})`,
      ]);
    }
    yield `${ts} ${host} ${m}\n`;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 100000);
  const host = process.argv[3] ?? 'web-01';
  let buf = '';
  for (const line of syslogMixLines(n, host)) {
    buf += line;
    if (buf.length > 1 << 16) {
      process.stdout.write(buf);
      buf = '';
    }
  }
  process.stdout.write(buf);
}

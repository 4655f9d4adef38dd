import { applyLogRules } from '../../../../src/analyze/log-rules.js';
import { LOG_RULES } from '../../../../src/analyze/rules/index.js';
import { KERNEL_EXTRA_RULES } from '../../../../src/analyze/rules/kernel-extra.js';
import { SSHD_RULES } from '../../../../src/analyze/rules/sshd.js';
import { SYSTEM_RULES } from '../../../../src/analyze/rules/system.js';
import { FINDING_CATEGORIES, type Finding, type LogRecord } from '../../../../src/types.js';
import { makeHost, readFixture, recordsFromLog } from '../helpers.js';

const thresholds = makeHost().thresholds;

function records(family: string, file: string, source = '/var/log/syslog'): LogRecord[] {
  return recordsFromLog(readFixture('analyze', family, file), source);
}

function run(family: string, file: string, source?: string): Finding[] {
  return applyLogRules(records(family, file, source), SYSTEM_RULES, thresholds, []);
}

const summary = (findings: Finding[]): Array<[string, string, number, string]> =>
  findings.map((f) => [f.key, f.severity, f.count, f.ruleId]);

describe('the system and kernel-extra rule families', () => {
  it('fit the library: taxonomy categories, ids unique with the registered rules, `*` rules last', () => {
    const taxonomy = new Set<string>(FINDING_CATEGORIES);
    const mine = [...KERNEL_EXTRA_RULES, ...SYSTEM_RULES];
    for (const rule of mine) {
      expect(taxonomy.has(rule.category)).toBe(true);
      if (rule.aggregate) expect(taxonomy.has(rule.aggregate.category)).toBe(true);
    }
    // Registered in LOG_RULES (rules/index.ts): every id, aggregates included, is unique across the library.
    expect(mine.every((r) => LOG_RULES.includes(r))).toBe(true);
    const ids = LOG_RULES.flatMap((r) => (r.aggregate ? [r.id, r.aggregate.id] : [r.id]));
    expect(new Set(ids).size).toBe(ids.length);
    const firstWildcard = SYSTEM_RULES.findIndex((r) => r.programs.includes('*'));
    expect(SYSTEM_RULES.slice(firstWildcard).every((r) => r.programs.includes('*'))).toBe(true);
    expect(KERNEL_EXTRA_RULES.every((r) => r.programs.join() === 'kernel')).toBe(true);
  });
});

describe('systemd rules', () => {
  it('reports each failed unit once, whatever lines its failure wrote, with the reason in the title', () => {
    const findings = run('systemd', 'failures.log');
    expect(summary(findings)).toEqual([
      // Control process exited + Failed with result + Failed to start: one event.
      ['service.failed:nginx.service', 'warn', 1, 'systemd.process_exited'],
      ['service.failed:backup.service', 'warn', 1, 'systemd.process_exited'],
      ['service.failed:php8.2-fpm.service', 'warn', 1, 'systemd.process_exited'],
      ['service.failed:certbot-renew.service', 'warn', 1, 'systemd.failed_to_start'], // no description
      ['service.failed:systemd-fsck@dev-disk-by\\x2duuid-6f1c0f3e\\x2d2a1b.service', 'warn', 1, 'systemd.unit_failed'],
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'nginx.service failed (exit code 1)',
      'backup.service failed (killed by SIGKILL)',
      'php8.2-fpm.service failed (crashed with SEGV, core dumped)',
      'certbot-renew.service failed to start',
      'systemd-fsck@dev-disk-by\\x2duuid-6f1c0f3e\\x2d2a1b.service failed (timed out)',
    ]);
    expect(findings[0]?.subject).toBe('nginx.service');
    expect(findings[0]?.evidence[0]?.lines).toHaveLength(3);
    expect(findings[0]?.recommendation).toMatch(/journalctl -u/);
  });

  it('understands older systemd: description-only start failures add nothing, RHEL 7 lines count', () => {
    const findings = run('systemd', 'older.log');
    expect(summary(findings)).toEqual([
      // `Failed to start Advanced key-value store.` (systemd < 250) is the same failure, not a second finding.
      ['service.failed:redis-server.service', 'warn', 1, 'systemd.process_exited'],
      // RHEL 7: lower-case `main process exited` and `Unit ... entered failed state.`, no pid in the tag.
      ['service.failed:httpd.service', 'warn', 1, 'systemd.process_exited'],
    ]);
    expect(findings[1]?.evidence[0]?.lines).toHaveLength(2);
  });

  it('turns the start limit and many automatic restarts into one crash-loop finding; a few restarts stay info', () => {
    const findings = run('systemd', 'crash-loop.log');
    expect(summary(findings)).toEqual([
      ['service.failed:myapp.service', 'warn', 1, 'systemd.process_exited'],
      // 5 restarts in one pass (aggregate) + the start limit (2 lines, one event).
      ['service.crash_loop:myapp.service', 'crit', 6, 'systemd.restart_loop'],
      // One restart of a Restart=always unit after a clean exit: info, costs nothing.
      ['service.failed:getty@tty1.service', 'info', 1, 'systemd.restart_scheduled'],
    ]);
    expect(findings[1]?.title).toBe('myapp.service is in a crash loop: systemd keeps restarting it');
    expect(findings[1]?.recommendation).toMatch(/reset-failed/);
    expect(findings[2]?.title).toBe('getty@tty1.service was restarted automatically (restart counter at 3)');
  });

  it('reports a start-limit hit alone as a crash loop', () => {
    const text = [
      'Nov 25 12:00:05 web-01 systemd[1]: myapp.service: Start request repeated too quickly.',
      "Nov 25 12:00:05 web-01 systemd[1]: myapp.service: Failed with result 'start-limit-hit'.",
    ].join('\n');
    const findings = applyLogRules(recordsFromLog(text, 'journal'), SYSTEM_RULES, thresholds, []);
    expect(summary(findings)).toEqual([['service.crash_loop:myapp.service', 'crit', 1, 'systemd.start_limit_hit']]);
    expect(findings[0]?.title).toBe('myapp.service is in a crash loop: systemd gave up restarting it (start limit hit)');
  });

  it('finds nothing in routine unit lines (started, stopped, deactivated, a clean exit at debug level)', () => {
    expect(run('systemd', 'negative.log')).toEqual([]);
  });
});

describe('cron rules', () => {
  it('reports failed jobs and refused crontabs of Debian cron', () => {
    const findings = run('cron', 'debian.log');
    expect(summary(findings)).toEqual([
      ['service.failed:cron', 'warn', 2, 'cron.job_failed'], // exit status 1, killed by signal 9
      ['service.failed:cron:bob', 'info', 1, 'cron.orphan'],
      ['service.failed:cron:root', 'warn', 1, 'cron.crontab_rejected'],
      ['service.failed:cron:*system*php', 'warn', 1, 'cron.error'], // `Error: bad minute; ...` before it is context
      ['service.failed:cron:svc-backup', 'warn', 1, 'cron.account_expired'],
      ['service.failed:cron:deploy', 'warn', 1, 'cron.account_expired'],
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'A cron job failed (exit status 1, pid 4242)',
      'cron ignores the crontab of bob: no such user',
      'cron ignores the crontab crontabs/root: insecure mode (mode 0600 expected)',
      'cron error for *system*php: Syntax error, this crontab file will be ignored',
      'cron jobs of svc-backup are refused: the account has expired',
      'cron jobs of deploy are refused: the password has expired',
    ]);
  });

  it('reports cronie errors on RHEL, grouped per crontab owner', () => {
    const findings = run('cron', 'rhel.log', '/var/log/cron');
    expect(summary(findings)).toEqual([
      ['service.failed:cron:root', 'warn', 2, 'cron.error'], // getpwnam() failed + BAD FILE MODE
      ['service.failed:cron:app', 'warn', 2, 'cron.error'], // PAM refusal + the expired password behind it
      ['service.failed:cron', 'warn', 1, 'cron.error'], // (CRON) ERROR chdir failed
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'cron error for root: getpwnam() failed',
      'cron error for app: failed to authorize user with PAM (Authentication token is no longer valid; new one required)',
      'cron error: chdir failed (/home/app)',
    ]);
  });

  it('finds nothing in routine cron lines (CMD, sessions, INFO, RELOAD, no MTA)', () => {
    expect(run('cron', 'negative.log')).toEqual([]);
  });

  it('reports a job killed by a signal', () => {
    const text = 'Nov 25 06:31:02 web-01 CRON[4300]: (CRON) error (grandchild #4301 terminated by signal 9)';
    const [finding] = applyLogRules(recordsFromLog(text, '/var/log/syslog'), SYSTEM_RULES, thresholds, []);
    expect(finding?.title).toBe('A cron job was killed by signal 9 (pid 4301)');
  });
});

describe('fail2ban rules', () => {
  it('reports each ban from /var/log/fail2ban.log (no syslog header) as info per IP, jail in the title', () => {
    const recs = records('fail2ban', 'fail2ban.log', '/var/log/fail2ban.log');
    expect(recs.every((r) => r.program === null)).toBe(true);
    const findings = applyLogRules(recs, SYSTEM_RULES, thresholds, []);
    expect(summary(findings)).toEqual([
      ['auth.bruteforce:203.0.113.9', 'info', 1, 'fail2ban.ban_logfile'],
      ['auth.bruteforce:198.51.100.23', 'info', 1, 'fail2ban.ban_logfile'],
      ['auth.bruteforce:2001:db8::1bad', 'info', 1, 'fail2ban.ban_logfile'],
      // Unban, Restore Ban (replayed at restart), already banned, Found: nothing.
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'fail2ban banned 203.0.113.9 (jail sshd)',
      'fail2ban banned 198.51.100.23 (jail nginx-botsearch)',
      'fail2ban banned 2001:db8::1bad (jail recidive)',
    ]);
    expect(findings[0]?.subject).toBe('203.0.113.9');
  });

  it('reports bans logged through the journal or syslog', () => {
    const findings = run('fail2ban', 'syslog.log');
    expect(summary(findings)).toEqual([
      ['auth.bruteforce:203.0.113.9', 'info', 1, 'fail2ban.ban'],
      ['auth.bruteforce:198.51.100.200', 'info', 1, 'fail2ban.ban_logfile'], // logtarget = SYSLOG: no parsable tag
    ]);
    expect(findings[1]?.title).toBe('fail2ban banned 198.51.100.200 (jail postfix)');
  });

  it('shares its key with the sshd brute-force finding for the same IP, which keeps its severity', () => {
    const attempts = Array.from(
      { length: 5 },
      (_, i) => `Nov 25 10:15:0${i} web-01 sshd[9${i}]: Failed password for root from 203.0.113.9 port 4${i}000 ssh2`,
    );
    const text = [...attempts, 'Nov 25 10:15:06 web-01 fail2ban[812]: [sshd] Ban 203.0.113.9'].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/var/log/auth.log'), [...SSHD_RULES, ...SYSTEM_RULES], thresholds, []);
    expect(summary(findings)).toEqual([['auth.bruteforce:203.0.113.9', 'crit', 6, 'sshd.bruteforce']]);
  });
});

describe('smartd rules', () => {
  it('reports disk damage per disk (kernel name), crit for lost data, warn for early signs', () => {
    const findings = run('smartd', 'warnings.log');
    expect(summary(findings)).toEqual([
      ['kernel.io_error:sda', 'crit', 2, 'smartd.uncorrectable_sectors'], // pending (warn) + offline uncorrectable (crit)
      ['kernel.io_error:sdb', 'warn', 2, 'smartd.attribute_changed'], // reallocated sectors + ATA errors
      ['kernel.io_error:sdc', 'crit', 1, 'smartd.health_failed'],
      ['kernel.io_error:sdd', 'crit', 1, 'smartd.self_test_failed'],
      ['kernel.io_error:nvme0', 'crit', 1, 'smartd.nvme_critical_warning'],
      ['kernel.io_error:bus/0', 'warn', 1, 'smartd.pending_sectors'], // behind a MegaRAID controller
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'Disk sda has 1 unreadable sectors (offline uncorrectable)',
      'Disk sdb: SMART attribute 5 Reallocated_Sector_Ct changed from 100 to 99',
      'Disk sdc failed its SMART health check: back up its data now',
      'Disk sdd failed a SMART self-test',
      'NVMe disk nvme0 raised a critical warning: Reliability',
      'Disk bus/0 has 2 sectors it could not read (pending reallocation)',
    ]);
  });

  it('shares the disk key with kernel I/O errors of the same disk', () => {
    const text = 'Nov 25 09:30:00 nas-01 smartd[701]: Device: /dev/sda [SAT], 8 Currently unreadable (pending) sectors';
    const [finding] = applyLogRules(recordsFromLog(text, '/var/log/syslog'), SYSTEM_RULES, thresholds, []);
    expect(finding?.key).toBe('kernel.io_error:sda');
    expect(finding?.severity).toBe('warn');
  });

  it('titles failed self-tests and usage attributes past their threshold', () => {
    const text = [
      'Nov 25 10:30:00 nas-01 smartd[701]: Device: /dev/sde [SAT], previous self-test completed with error (read test element)',
      'Nov 25 10:30:00 nas-01 smartd[701]: Device: /dev/sdf [SAT], Failed SMART usage Attribute: 184 End-to-End_Error.',
    ].join('\n');
    const findings = applyLogRules(recordsFromLog(text, '/var/log/syslog'), SYSTEM_RULES, thresholds, []);
    expect(findings.map((f) => [f.key, f.severity, f.title])).toEqual([
      ['kernel.io_error:sde', 'crit', 'Disk sde failed a SMART self-test (read test element)'],
      ['kernel.io_error:sdf', 'warn', 'Disk sdf: SMART attribute 184 End-to-End_Error is past its failure threshold'],
    ]);
  });

  it('finds nothing in routine smartd lines (temperature and error-rate attribute changes, self-tests passing)', () => {
    expect(run('smartd', 'negative.log')).toEqual([]);
  });
});

describe('"No space left on device" from any program', () => {
  it('reports write failures of syslog programs and header-less log files as one crit disk.usage finding', () => {
    const recs = records('enospc', 'writes.log');
    expect(recs.filter((r) => r.program === null)).toHaveLength(3); // PostgreSQL, nginx and MySQL log files
    const findings = applyLogRules(recs, SYSTEM_RULES, thresholds, []);
    expect(summary(findings)).toEqual([['disk.usage:no space left on device', 'crit', 8, 'system.no_space_left']]);
    expect(findings[0]?.title).toBe('Writes failed: no space left on device');
    expect(findings[0]?.evidence[0]?.lines).toHaveLength(5);
    expect(findings[0]?.recommendation).toMatch(/df -i/);
  });

  it('ignores commands and messages that only mention it', () => {
    const history: LogRecord = {
      source: '/root/.bash_history',
      line: 'grep "No space left on device" /var/log/syslog',
      message: 'grep "No space left on device" /var/log/syslog',
      program: 'bash',
      pid: null,
      time: null,
      hostname: null,
    };
    expect(applyLogRules([...records('enospc', 'negative.log'), history], SYSTEM_RULES, thresholds, [])).toEqual([]);
  });
});

describe('system rules on hostile lines', () => {
  it('stay linear on long lines of every program they dispatch on, and of none', () => {
    const programs = ['systemd', 'CRON', 'crond', 'fail2ban', 'smartd', 'nginx'];
    const bodies = [
      'a'.repeat(64 * 1024),
      'nginx.service'.repeat(5000),
      '(root) ERROR ('.repeat(4600),
      'Device: /dev/sda [SAT] '.repeat(2800),
      '[sshd] Ban 1.2.3.4 '.repeat(3400),
      'fail2ban.actions [1]: NOTICE  ['.repeat(2000),
      'o space left on device'.repeat(2900),
      `${'-'.repeat(100)} (`.repeat(600),
    ];
    const lines: string[] = [];
    for (const program of programs) for (const body of bodies) lines.push(`Nov 25 10:00:00 web ${program}[1]: ${body}`);
    for (const body of bodies) lines.push(body);
    const started = process.hrtime.bigint();
    applyLogRules(recordsFromLog(lines.join('\n'), '/var/log/syslog'), SYSTEM_RULES, thresholds, []);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5000);
  });
});

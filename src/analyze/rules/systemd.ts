import type { LogRule, RuleGroups } from './types.js';

const SYSTEMD = ['systemd'];

/** A unit name as systemd prints it (`nginx.service`, `getty@tty1.service`, `dev-disk-by\x2duuid-1.swap`). */
const UNIT = String.raw`[\w@:.\\-]{1,250}\.(?:service|socket|mount|swap|timer|path|target|scope|slice|automount|device)`;

/** service_result_to_string() values, as a sysadmin would say them. */
const RESULT_TEXT: Readonly<Record<string, string>> = {
  'exit-code': 'exited with an error',
  signal: 'killed by a signal',
  'core-dump': 'crashed and dumped core',
  timeout: 'timed out',
  watchdog: 'watchdog timeout',
  'oom-kill': 'killed by the OOM killer',
  resources: 'could not get its resources',
  protocol: 'broke the service protocol',
  'exec-condition': 'ExecCondition failed',
};

function unit(g: RuleGroups): string {
  return g.unit ?? g.unit2 ?? 'unknown.service';
}

/** `Main process exited, code=...` -> why, in words. */
function exitText(g: RuleGroups): string {
  if (g.code === 'exited') return `exit code ${g.status}`;
  if (g.code === 'dumped') return `crashed with ${g.name ?? `signal ${g.status}`}, core dumped`;
  return `killed by ${g.name ? `SIG${g.name}` : `signal ${g.status}`}`;
}

const UNIT_RECOMMENDATION = 'See `systemctl status <unit>` and `journalctl -u <unit>` for the lines before the failure.';
const LOOP_RECOMMENDATION =
  'The service keeps dying right after it starts: read `journalctl -u <unit>` for the first error, fix it, then ' +
  '`systemctl reset-failed <unit>` and start it again.';

/**
 * systemd rules (src/core/service.c, unit.c, job.c). One failure of a unit logs several lines (`Main process
 * exited, code=exited, status=1/FAILURE`, `Failed with result 'exit-code'.`, `Failed to start <unit> -
 * <description>.`) that share no id: every line is pid 1's, without the pid of the process that failed. They all
 * carry the unit as event id, so a failure counts once however many lines it wrote. The price: an event id sees
 * only a line's captures, not its time, so a unit that fails three times in one pass also counts once (the
 * restart rule below counts repeated failures of units that systemd restarts).
 *
 * `Failed to start A high performance web server.` (systemd < 250, description only) is not matched on purpose:
 * every systemd since 232 also logs `<unit>: Failed with result '...'`, which names the unit, so matching it would
 * report one failure twice under two names. Systemd < 232 logs `Unit <unit> entered failed state.`, matched below.
 */
export const SYSTEMD_RULES: readonly LogRule[] = [
  {
    id: 'systemd.start_limit_hit',
    category: 'service.crash_loop',
    severity: 'crit',
    programs: SYSTEMD,
    // unit.c unit_test_start_limit(), then service_enter_dead(SERVICE_FAILURE_START_LIMIT_HIT).
    pattern: new RegExp(String.raw`^(?<unit>${UNIT}): (?:Start request repeated too quickly\.|Failed with result 'start-limit-hit'\.)`),
    title: (g) => `${unit(g)} is in a crash loop: systemd gave up restarting it (start limit hit)`,
    subject: unit,
    eventId: unit,
    recommendation: LOOP_RECOMMENDATION,
  },
  {
    id: 'systemd.restart_scheduled',
    category: 'service.failed',
    severity: 'info',
    programs: SYSTEMD,
    // service.c service_enter_restart(). The counter is cumulative since the unit was last started by hand, so a
    // unit that crashed once a week would pass any "counter >= N" test after N weeks; what makes a loop is many
    // automatic restarts close together: 5 or more in one pass (5 starts is systemd's own default burst limit).
    // Fewer stay an info folded into the unit's service.failed finding (Restart=always units such as getty
    // restart after a clean exit too).
    pattern: new RegExp(String.raw`^(?<unit>${UNIT}): Scheduled restart job, restart counter is at (?<counter>\d+)\.`),
    title: (g) => `${unit(g)} was restarted automatically (restart counter at ${g.counter})`,
    subject: unit,
    eventId: unit,
    aggregate: {
      id: 'systemd.restart_loop',
      by: 'unit',
      minCount: 5,
      category: 'service.crash_loop',
      severity: 'crit',
      // No number in the title: a start-limit line of the same unit shares the finding and its count.
      title: (u) => `${u} is in a crash loop: systemd keeps restarting it`,
      recommendation: LOOP_RECOMMENDATION,
    },
  },
  {
    id: 'systemd.unit_failed',
    category: 'service.failed',
    severity: 'warn',
    programs: SYSTEMD,
    pattern: new RegExp(String.raw`^(?<unit>${UNIT}): Failed with result '(?<result>[a-z-]{1,32})'\.`),
    title: (g) => `${unit(g)} failed (${RESULT_TEXT[g.result ?? ''] ?? g.result})`,
    subject: unit,
    eventId: unit,
    recommendation: UNIT_RECOMMENDATION,
  },
  {
    id: 'systemd.process_exited',
    category: 'service.failed',
    severity: 'warn',
    programs: SYSTEMD,
    // Logged at notice only for a failure; a clean exit (`status=0/SUCCESS`) appears only with LogLevel=debug.
    // systemd < 232 (RHEL 7) writes `main process exited` in lower case.
    pattern: new RegExp(
      String.raw`^(?<unit>${UNIT}): (?:[Mm]ain|[Cc]ontrol) process exited, code=(?!exited, status=0/)(?<code>exited|killed|dumped), status=(?<status>\d+)(?:/(?<name>[A-Z0-9_+-]{1,32}))?`,
    ),
    title: (g) => `${unit(g)} failed (${exitText(g)})`,
    subject: unit,
    eventId: unit,
    recommendation: UNIT_RECOMMENDATION,
  },
  {
    id: 'systemd.failed_to_start',
    category: 'service.failed',
    severity: 'warn',
    programs: SYSTEMD,
    // job.c, StatusUnitFormat=combined (systemd >= 250): `Failed to start nginx.service - A high performance ...`,
    // or just the name when the unit has no description.
    pattern: new RegExp(String.raw`^Failed to start (?<unit>${UNIT})(?: - |\.$)`),
    title: (g) => `${unit(g)} failed to start`,
    subject: unit,
    eventId: unit,
    recommendation: UNIT_RECOMMENDATION,
  },
  {
    id: 'systemd.entered_failed_state',
    category: 'service.failed',
    severity: 'warn',
    programs: SYSTEMD,
    // systemd < 232 (RHEL 7): `Unit nginx.service entered failed state.`, `nginx.service: Unit entered failed state.`
    pattern: new RegExp(String.raw`^(?:Unit (?<unit>${UNIT}) entered failed state\.|(?<unit2>${UNIT}): Unit entered failed state\.)`),
    title: (g) => `${unit(g)} failed`,
    subject: unit,
    eventId: unit,
    recommendation: UNIT_RECOMMENDATION,
  },
];

import { DEFAULT_ALERT_POLICY, FIRST_LOOK_REASON, stepAlerts, type AlertPolicy, type AlertRecord, type AlertStepInput } from '../../../src/alert/state-machine.js';
import { resolveWindows } from '../../../src/config/resolve.js';
import type { Finding, Severity } from '../../../src/types.js';

const HOUR = 3600_000;
const T0 = Date.parse('2026-11-26T10:17:00Z');
const at = (hours: number): Date => new Date(T0 + hours * HOUR);

function finding(key: string, severity: Severity = 'warn', ruleId = 'sshd.bruteforce'): Finding {
  const [category] = key.split(':') as [Finding['category']];
  return { category, severity, ruleId, title: `${key} (${severity})`, key, subject: key.split(':')[1] ?? '', count: 1, evidence: [] };
}

/** A pass that could not look at the host: only findings that need no collection (host.unreachable, metrics). */
interface Unanalysed {
  unreachable: Finding[];
}

/** Runs passes hour by hour; returns the notifications of each pass as `kind key [muted]`. */
function run(passes: Array<Finding[] | Unanalysed>, policy: AlertPolicy = DEFAULT_ALERT_POLICY, extra: Partial<AlertStepInput> = {}): { log: string[][]; records: AlertRecord[] } {
  let records: AlertRecord[] = [];
  const log: string[][] = [];
  passes.forEach((pass, hour) => {
    const analysed = Array.isArray(pass);
    const findings = Array.isArray(pass) ? pass : pass.unreachable;
    const input: AlertStepInput = { host: { name: 'web-01', site: 's01' }, now: at(hour), findings, analysed, ...extra };
    const result = stepAlerts(records, input, policy);
    records = result.records;
    log.push(result.notifications.map((n) => `${n.kind} ${n.key}${n.mutedBy ? ` [${n.mutedBy}]` : ''}`));
  });
  return { log, records };
}

const DISK = (severity: Severity = 'warn') => finding('disk.usage:/', severity, 'resource.disk');
const BRUTE = finding('auth.bruteforce:203.0.113.9', 'crit');

describe('the alert state machine', () => {
  it('notifies when opened, stays silent while open, reminds after the interval, and says when it resolved', () => {
    const passes = [[DISK()], [DISK()], [DISK()], [], []];
    const { log, records } = run(passes, { ...DEFAULT_ALERT_POLICY, renotifyAfterMs: 2 * HOUR });
    expect(log).toEqual([['opened disk.usage:/'], [], ['reminder disk.usage:/'], ['resolved disk.usage:/'], []]);
    expect(records).toEqual([
      expect.objectContaining({ key: 'disk.usage:/', status: 'resolved', passes: 3, firstSeen: at(0).toISOString(), resolvedAt: at(3).toISOString() }),
    ]);
  });

  it('waits `for` passes before notifying a condition, but never an event', () => {
    const policy = { ...DEFAULT_ALERT_POLICY, forPasses: 3 };
    expect(run([[DISK(), BRUTE], [DISK()], [DISK()], [DISK()]], policy).log).toEqual([
      ['opened auth.bruteforce:203.0.113.9'],
      [], // an event ends silently: no "resolved" notice for a log line
      ['opened disk.usage:/'],
      [],
    ]);
    // A condition gone before its third pass was never notified: nothing to recover from.
    expect(run([[DISK()], [DISK()], []], policy).log).toEqual([[], [], []]);
  });

  it('escalates when the severity rises, without a second "opened"', () => {
    expect(run([[DISK('warn')], [DISK('crit')], [DISK('crit')], [DISK('warn')]]).log).toEqual([['opened disk.usage:/'], ['escalated disk.usage:/'], [], []]);
  });

  it('treats a flap within the flap window as the same alert; a return after it as a new one', () => {
    expect(run([[BRUTE], [], [BRUTE], [], [], [], [BRUTE]]).log).toEqual([
      ['opened auth.bruteforce:203.0.113.9'],
      [],
      [], // back within 2 h of resolving: the same episode, silent
      [],
      [],
      [],
      ['opened auth.bruteforce:203.0.113.9'],
    ]);
  });

  it('without recovery notices, resolving is silent', () => {
    expect(run([[DISK()], []], { ...DEFAULT_ALERT_POLICY, notifyRecovery: false }).log).toEqual([['opened disk.usage:/'], []]);
  });

  it('an unreachable host mutes its other alerts and resolves nothing; what is still open is notified when it is back', () => {
    const down = finding('host.unreachable:web-01', 'crit', 'host.unreachable');
    // A metric from Prometheus still arrives while SSH fails: the host being down is the news, not its load.
    const load = finding('metric.threshold:node_load1', 'warn', 'metric.node_load1');
    const { log, records } = run([[DISK()], { unreachable: [down, load] }, { unreachable: [down, load] }, [DISK(), load]]);
    expect(log).toEqual([
      ['opened disk.usage:/'],
      ['opened host.unreachable:web-01', 'opened metric.threshold:node_load1 [host unreachable]'],
      ['opened metric.threshold:node_load1 [host unreachable]'],
      // Back: host.unreachable resolves; the load, muted all along, is notified now; the disk needs no new notice.
      ['opened metric.threshold:node_load1', 'resolved host.unreachable:web-01'],
    ]);
    expect(records.find((r) => r.key === 'disk.usage:/')).toMatchObject({ status: 'open', passes: 2 });
  });

  it('a silence mutes what it matches until it ends; a condition still open is notified then', () => {
    const silences = [{ category: 'disk.*', host: 'web-*', until: at(1.5).toISOString(), reason: 'disk replacement' }];
    const { log } = run([[DISK(), BRUTE], [DISK()], [DISK()]], DEFAULT_ALERT_POLICY, { silences });
    expect(log).toEqual([
      ['opened disk.usage:/ [silenced until 2026-11-26T11:47:00.000Z: disk replacement]', 'opened auth.bruteforce:203.0.113.9'],
      ['opened disk.usage:/ [silenced until 2026-11-26T11:47:00.000Z: disk replacement]'],
      ['opened disk.usage:/'],
    ]);
    // A silence of another site mutes nothing here.
    expect(run([[DISK()]], DEFAULT_ALERT_POLICY, { silences: [{ site: 's02', until: at(5).toISOString(), reason: 'x' }] }).log).toEqual([['opened disk.usage:/']]);
  });

  it('a maintenance window mutes notifications but the records still advance', () => {
    // 10:00-12:00 UTC daily: passes at 10:17 and 11:17 are inside, 12:17 is not.
    const windows = resolveWindows([{ start: '10:00', end: '12:00' }]);
    const { log, records } = run([[DISK(), BRUTE], [DISK()], [DISK()]], DEFAULT_ALERT_POLICY, { windows });
    expect(log).toEqual([
      ['opened disk.usage:/ [inside maintenance window daily 10:00-12:00 UTC]', 'opened auth.bruteforce:203.0.113.9 [inside maintenance window daily 10:00-12:00 UTC]'],
      // Still muted (recorded each pass, never sent); the event of the window is over and is not repeated.
      ['opened disk.usage:/ [inside maintenance window daily 10:00-12:00 UTC]'],
      ['opened disk.usage:/'],
    ]);
    expect(records.find((r) => r.key === 'disk.usage:/')).toMatchObject({ status: 'open', passes: 3, notifiedAt: at(2).toISOString() });
  });

  it('does not modify the records it is given', () => {
    const first = stepAlerts([], { host: { name: 'h', site: null }, now: at(0), findings: [DISK()], analysed: true });
    const frozen = JSON.stringify(first.records);
    stepAlerts(first.records, { host: { name: 'h', site: null }, now: at(1), findings: [], analysed: true });
    expect(JSON.stringify(first.records)).toBe(frozen);
  });

  it("a host's first pass notifies its conditions but not the events of its existing logs; later events are news", () => {
    const first = stepAlerts([], { host: { name: 'web-01', site: null }, now: at(0), findings: [DISK(), BRUTE], analysed: true, firstLook: true });
    expect(first.notifications.map((n) => `${n.kind} ${n.key}${n.mutedBy ? ` [${n.mutedBy}]` : ''}`)).toEqual([
      'opened disk.usage:/',
      `opened auth.bruteforce:203.0.113.9 [${FIRST_LOOK_REASON}]`,
    ]);
    const later = stepAlerts(first.records, { host: { name: 'web-01', site: null }, now: at(3), findings: [DISK(), BRUTE], analysed: true });
    expect(later.notifications.map((n) => `${n.kind} ${n.key}`)).toEqual(['opened auth.bruteforce:203.0.113.9']);
  });
});

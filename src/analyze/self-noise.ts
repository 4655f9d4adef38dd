import type { LogRecord, MonitorIdentity } from '../types.js';

/** How far the host's clock may be from ours before a line stops counting as "during our session". */
export const CLOCK_SKEW_TOLERANCE_MS = 5 * 60_000;
/**
 * Traditional syslog stamps carry no zone (host-local time, read as UTC), so for them the window widens by the
 * largest UTC offset; the user, address and source port still have to match.
 */
const MAX_UTC_OFFSET_MS = 14 * 3_600_000;

const SSHD_PROGRAMS = new Set(['sshd', 'sshd-session']);
const ACCEPTED = /^Accepted \S+ for (?<user>\S+) from (?<ip>\S+) port (?<port>\d+)\b/;
const PAM_SESSION = /^pam_unix\(sshd:session\): session (?:opened|closed) for user (?<user>[^\s(]+)/;
// `<address> port <n>` anywhere in an sshd line: connect, session start/close, disconnect, connection closed.
const ENDPOINT = /(?<ip>[0-9A-Fa-f.:]+) port (?<port>\d+)\b/g;
// The account a session line names (`command for root from`, `Disconnected from user root`): another one is not ours.
const NAMED_USER = /\b(?:for|user) (?<user>[^\s(]+) (?:from )?[0-9A-Fa-f.:]+ port \d+/;
// Never hidden, even on our own connection: a failed login is news whoever made it.
const FAILURE = /\b(?:Failed \S+ for|[Ii]nvalid user|maximum authentication attempts|authentication failure|Authentication refused|error:)/;

interface Session {
  identity: MonitorIdentity;
  /** The sshd pid that logged the Accepted line (and, with PAM, the session lines). */
  pid: number | null;
}

/**
 * Leaves out the log lines of the monitor's own SSH sessions, so our logins (`Accepted publickey for root ...` every
 * pass) never become auth findings. Pure. A session is ours when an `Accepted <method> for <user> from <address>
 * port <port>` line (sshd, sshd-session) has the identity's user and one of its addresses, the source port is one of
 * `identity.sourcePorts` when those are given, and the line's time lies in [since, until] give or take
 * {@link CLOCK_SKEW_TOLERANCE_MS}. Of such a session, these lines are left out:
 * - the Accepted line itself;
 * - `pam_unix(sshd:session): session opened/closed for user <user>` logged by the same sshd pid;
 * - any sshd line naming the session's `<address> port <port>` (connect, `Starting session`, `Close session`,
 *   `Received disconnect`, `Disconnected from user`, `Connection closed by`), unless it names another user.
 * Identities with `sourcePorts` also claim `<address> port <port>` lines without an Accepted line in this batch: the
 * disconnect of a session is logged after we read the log, so it arrives with the next pass.
 * Lines of other users, other addresses or other ports, and failures of any kind, are always kept.
 */
export function excludeMonitorSessions(records: readonly LogRecord[], identities: readonly MonitorIdentity[]): LogRecord[] {
  if (identities.length === 0) return [...records];
  const sessions = new Map<string, Session>();
  for (const identity of identities) {
    for (const address of identity.addresses) {
      for (const port of identity.sourcePorts ?? []) sessions.set(endpointKey(address, String(port)), { identity, pid: null });
    }
  }
  const accepted = new Set<LogRecord>();
  for (const record of records) {
    if (!isSshd(record)) continue;
    const m = ACCEPTED.exec(record.message);
    if (!m?.groups) continue;
    const { user = '', ip = '', port = '' } = m.groups;
    const identity = identities.find((id) => ownsLogin(id, user, ip, Number(port), record.time));
    if (!identity) continue;
    accepted.add(record);
    sessions.set(endpointKey(ip, port), { identity, pid: record.pid });
  }
  if (sessions.size === 0) return [...records];
  const pids = new Map<number, MonitorIdentity>();
  for (const session of sessions.values()) if (session.pid !== null) pids.set(session.pid, session.identity);

  return records.filter((record) => {
    if (accepted.has(record)) return false;
    if (!isSshd(record) || FAILURE.test(record.message)) return true;
    const pidIdentity = record.pid === null ? undefined : pids.get(record.pid);
    const pam = PAM_SESSION.exec(record.message);
    if (pam && pidIdentity && pam.groups?.user === pidIdentity.user && isDuring(pidIdentity, record.time)) return false;
    const namedUser = NAMED_USER.exec(record.message)?.groups?.user;
    for (const m of record.message.matchAll(ENDPOINT)) {
      const session = sessions.get(endpointKey(m.groups?.ip ?? '', m.groups?.port ?? ''));
      if (!session || (namedUser !== undefined && namedUser !== session.identity.user)) continue;
      if (isDuring(session.identity, record.time)) return false;
    }
    return true;
  });
}

function isSshd(record: LogRecord): boolean {
  return record.program !== null && SSHD_PROGRAMS.has(record.program.toLowerCase());
}

function ownsLogin(identity: MonitorIdentity, user: string, ip: string, port: number, time: string | null): boolean {
  if (user !== identity.user) return false;
  if (!identity.addresses.some((address) => normalizeAddress(address) === normalizeAddress(ip))) return false;
  if (identity.sourcePorts && !identity.sourcePorts.includes(port)) return false;
  return isDuring(identity, time);
}

/** A line without a time cannot be placed; the user, address and port decide alone. */
function isDuring(identity: MonitorIdentity, time: string | null): boolean {
  if (time === null) return true;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(time);
  const at = Date.parse(hasZone ? time : `${time}Z`);
  const since = Date.parse(identity.since);
  const until = Date.parse(identity.until);
  if (!Number.isFinite(at) || !Number.isFinite(since) || !Number.isFinite(until)) return true;
  const slack = CLOCK_SKEW_TOLERANCE_MS + (hasZone ? 0 : MAX_UTC_OFFSET_MS);
  return at >= since - slack && at <= until + slack;
}

/** `::ffff:10.0.0.5` (an IPv4 peer on a dual-stack socket) is `10.0.0.5` in sshd's log. */
function normalizeAddress(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

function endpointKey(address: string, port: string): string {
  return `${normalizeAddress(address)} ${Number(port)}`;
}

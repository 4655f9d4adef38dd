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
// sudo's log line for our own shell (`sudo -n sh -s`), and its pam session lines.
const SUDO_OWN_COMMAND = /^\s*(?<user>\S+) : (?:TTY=\S+ ; )?PWD=[^;]* ; USER=root ; COMMAND=(?:\/usr)?\/bin\/sh -s$/;
const SUDO_SESSION = /^pam_unix\(sudo:session\): session (?:opened|closed) for user root(?:\(uid=0\))?(?: by (?<user>[^\s(]+)\(uid=\d+\))?$/;
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
  const filter = new MonitorSessionFilter(identities);
  // Two passes: an Accepted line anywhere in the batch claims its session's lines, even the ones logged before it.
  for (const record of records) filter.noteLogin(record);
  return records.filter((record) => !filter.isOwn(record));
}

/**
 * The streaming form of {@link excludeMonitorSessions}: one record at a time, in log order, holding only the
 * sessions found (never the records). `accept(record)` notes the record's login when it is ours and says whether the
 * record is left out. In log order a session's Accepted line comes before its pam and session lines; its earlier
 * `Connection from` line is claimed through `identity.sourcePorts`, which the transport always gives.
 */
export class MonitorSessionFilter {
  private readonly sessions = new Map<string, Session>();
  private readonly pids = new Map<number, MonitorIdentity>();
  private readonly accepted = new Set<LogRecord>();
  /** The addresses of every identity, lower and upper case: a line naming none of them is not a session line of ours. */
  private readonly needles: string[];

  constructor(private readonly identities: readonly MonitorIdentity[]) {
    for (const identity of identities) {
      for (const address of identity.addresses) {
        for (const port of identity.sourcePorts ?? []) this.sessions.set(endpointKey(address, String(port)), { identity, pid: null });
      }
    }
    const addresses = identities.flatMap((id) => id.addresses.map(normalizeAddress));
    this.needles = [...new Set([...addresses, ...addresses.map((a) => a.toUpperCase())])];
  }

  /** True when the record is a line of one of our sessions (and so must not reach the rules). */
  accept(record: LogRecord): boolean {
    if (record.program === 'sudo') return this.isOwnSudo(record);
    if (!isSshd(record)) return false;
    return this.noteLogin(record) || this.isOwn(record);
  }

  /** Notes an Accepted line of ours (its pid then claims the session's pam lines); true when it was one. */
  noteLogin(record: LogRecord): boolean {
    if (!isSshd(record) || !record.message.startsWith('Accepted ')) return false;
    const m = ACCEPTED.exec(record.message);
    if (!m?.groups) return false;
    const { user = '', ip = '', port = '' } = m.groups;
    const identity = this.identities.find((id) => ownsLogin(id, user, ip, Number(port), record.time));
    if (!identity) return false;
    this.accepted.add(record);
    this.sessions.set(endpointKey(ip, port), { identity, pid: record.pid });
    if (record.pid !== null) this.pids.set(record.pid, identity);
    return true;
  }

  /**
   * With `sudo: true` the monitor's remote shell runs as `sudo -n sh -s`, and sudo logs it: `<user> : PWD=/home/<user> ;
   * USER=root ; COMMAND=/usr/bin/sh -s` and `pam_unix(sudo:session): session opened/closed for user root(uid=0) by
   * <user>(uid=N)`. Those lines, of our user during our session, are ours; any other command or user is kept.
   */
  isOwnSudo(record: LogRecord): boolean {
    const command = SUDO_OWN_COMMAND.exec(record.message);
    const user = command?.groups?.user ?? SUDO_SESSION.exec(record.message)?.groups?.user;
    if (user === undefined) return false;
    return this.identities.some((id) => id.user === user && isDuring(id, record.time));
  }

  isOwn(record: LogRecord): boolean {
    if (record.program === 'sudo') return this.isOwnSudo(record);
    if (this.accepted.has(record)) return true;
    if (this.sessions.size === 0 || !isSshd(record)) return false;
    const { message } = record;
    const pidIdentity = record.pid === null ? undefined : this.pids.get(record.pid);
    // Cheap tests first: most sshd lines are neither of our pid nor name one of our addresses (sshd writes IPv6
    // addresses in lower case; the upper-case form is checked too, to be sure).
    if (!pidIdentity && !this.needles.some((n) => message.includes(n))) return false;
    if (FAILURE.test(message)) return false;
    const pam = pidIdentity ? PAM_SESSION.exec(message) : null;
    if (pam && pidIdentity && pam.groups?.user === pidIdentity.user && isDuring(pidIdentity, record.time)) return true;
    const namedUser = NAMED_USER.exec(message)?.groups?.user;
    for (const m of message.matchAll(ENDPOINT)) {
      const session = this.sessions.get(endpointKey(m.groups?.ip ?? '', m.groups?.port ?? ''));
      if (!session || (namedUser !== undefined && namedUser !== session.identity.user)) continue;
      if (isDuring(session.identity, record.time)) return true;
    }
    return false;
  }
}

function isSshd(record: LogRecord): boolean {
  const { program } = record;
  if (program === null) return false;
  return program === 'sshd' || program === 'sshd-session' || SSHD_PROGRAMS.has(program.toLowerCase());
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

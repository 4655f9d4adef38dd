import { shGlob, shQuote } from './shell.js';

/**
 * The state sections of the probe (issue #4, change detection): what a host IS, compared with the stored baseline
 * each pass. They run in the same `sh -s` as the facts (probe.ts), after them, and print line records that
 * state-parsers.ts reads. A section whose command is missing prints `@unavailable <why>` and succeeds: a host
 * without systemd or ss is not failing, it just has nothing to compare.
 *
 * File contents (sudoers, crontabs, authorized_keys) are dumped as `@f <state> <tag> <path>` followed by the file's
 * lines each prefixed with `|`, so no line of a file can forge a record; names with a newline are skipped. Each file
 * is capped at {@link MAX_FILE_BYTES}.
 */

export const STATE_SECTIONS = ['boot-id', 'group', 'sudoers', 'cron', 'authorized-keys', 'watched', 'packages', 'services', 'ports'] as const;

export type StateSection = (typeof STATE_SECTIONS)[number] | 'docker-images';

/** Bytes of one dumped file at most (a sudoers or crontab bigger than this is not a config file any more). */
export const MAX_FILE_BYTES = 65536;

/**
 * The files watched by sha256 by default (`watch_files` adds to these; `!path` removes one). The usual targets of a
 * change that matters: who can log in and how, name resolution, mounts, scheduled jobs, and `ld.so.preload` (a
 * library injected into every process: normally absent, and its appearance is a classic rootkit move).
 */
export const DEFAULT_WATCH_FILES: readonly string[] = [
  '/etc/ssh/sshd_config',
  '/etc/ssh/sshd_config.d/*.conf',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/fstab',
  '/etc/crontab',
  '/etc/sudoers',
  '/etc/passwd',
  '/etc/group',
  '/etc/ld.so.preload',
  '/etc/pam.d/sshd',
  '/etc/pam.d/sudo',
];

export interface StateProbeOptions {
  /** Absolute paths or globs to sha256 (already merged with the defaults). */
  watchFiles: readonly string[];
  /** Add the `docker-images` section. */
  docker: boolean;
  /**
   * Epoch seconds of the previous pass, or null on a first pass: a watched file or crontab modified after it is
   * looked up in the dpkg file lists (`@o <package> <path>`), so a change a package made can be told apart.
   */
  sinceEpoch: number | null;
  /**
   * The unit directories' fingerprint of the previous pass (stored with its services): when they are unchanged, the
   * slow `systemctl list-unit-files` is skipped (`@same`) and the unit-file states of the baseline stand.
   */
  unitFingerprint?: string | null;
}

/**
 * The sh functions and `sec` calls of the state sections, appended to the probe script (which defines `R`, `NL`, `M`,
 * `sec`, and exports `DTHOSTMON_ROOTFS` for the commands the sections run: `ss`, `systemctl`, `docker`).
 */
export function buildStateProbe(options: StateProbeOptions): string[] {
  const watched = options.watchFiles
    .filter((p) => p.startsWith('/') && !p.includes('\0'))
    .map((p) => (/[*?[]/.test(p) ? `"$R"${shGlob(p)}` : `"$R"${shQuote(p)}`));
  const since = options.sinceEpoch === null ? '' : String(Math.floor(options.sinceEpoch));
  const unitFingerprint = options.unitFingerprint && /^[0-9 ]+$/.test(options.unitFingerprint) ? options.unitFingerprint : '';
  const lines = [
    `SINCE=${since}`,
    `UNITFP=${shQuote(unitFingerprint)}`,
    // dumpf TAG PATH: a file's state and its lines, each prefixed with | (capped).
    `dumpf() {
  case "$2" in *"$NL"*) return 0;; esac
  [ -e "$2" ] || [ -L "$2" ] || return 0
  if [ ! -f "$2" ]; then return 0; fi
  if [ ! -r "$2" ]; then printf '@f unreadable %s %s\\n' "$1" "\${2#"$R"}"; return 0; fi
  printf '@f ok %s %s\\n' "$1" "\${2#"$R"}"
  head -c ${MAX_FILE_BYTES} "$2" | sed 's/^/|/'
  printf '\\n'
  owner "$2"
}`,
    // owner PATH: the dpkg package(s) that own a file changed since the previous pass.
    `owner() {
  [ -n "$SINCE" ] || return 0
  [ -d "$R/var/lib/dpkg/info" ] || return 0
  _om=$(stat -L -c %Y "$1" 2>/dev/null) || return 0
  [ "$_om" -gt "$SINCE" ] 2>/dev/null || return 0
  _op=\${1#"$R"}
  for _ol in $(grep -l -x -F -e "$_op" "$R"/var/lib/dpkg/info/*.list 2>/dev/null); do
    _ob=\${_ol##*/}; printf '@o %s %s\\n' "\${_ob%.list}" "$_op"
  done
}`,
    'p_bootid() { cat "$R/proc/sys/kernel/random/boot_id"; }',
    'p_group() { cat "$R/etc/group"; }',
    `p_sudoers() {
  dumpf - "$R/etc/sudoers"
  for _s in "$R"/etc/sudoers.d/*; do dumpf - "$_s"; done
}`,
    `p_cron() {
  dumpf - "$R/etc/crontab"
  dumpf - "$R/etc/anacrontab"
  for _s in "$R"/etc/cron.d/*; do dumpf - "$_s"; done
  for _s in "$R"/var/spool/cron/crontabs/* "$R"/var/spool/cron/*; do dumpf user "$_s"; done
  for _d in hourly daily weekly monthly; do
    for _s in "$R"/etc/cron.$_d/*; do
      case "$_s" in *"$NL"*) continue;; esac
      [ -f "$_s" ] || continue
      if [ -r "$_s" ]; then _h=$(sha256sum < "$_s") || continue; printf '@h %s %s\\n' "\${_h%% *}" "\${_s#"$R"}"; owner "$_s"; fi
    done
  done
}`,
    // One dump per account with a real home: homes shared by system accounts (/nonexistent, /) are read once.
    `p_keys() {
  _seen="$NL"
  while IFS=: read -r _u _x _i _g _c _h _sh; do
    case "$_h" in ''|/|/nonexistent|/dev/null) continue;; esac
    case "$_seen" in *"$NL$_h$NL"*) continue;; esac
    _seen="$_seen$_h$NL"
    case "$_u" in *' '*) continue;; esac
    dumpf "$_u" "$R$_h/.ssh/authorized_keys"
    dumpf "$_u" "$R$_h/.ssh/authorized_keys2"
  done < "$R/etc/passwd"
}`,
    `p_watched() {
  for _w in ${watched.length > 0 ? watched.join(' ') : '/dev/null/none'}; do
    case "$_w" in *"$NL"*) continue;; esac
    _rel=\${_w#"$R"}
    case "$_rel" in *'*'*|*'?'*|*'['*) continue;; esac
    if [ ! -e "$_w" ]; then printf '@w missing - - %s\\n' "$_rel"; continue; fi
    if [ ! -f "$_w" ]; then printf '@w notfile - - %s\\n' "$_rel"; continue; fi
    if [ ! -r "$_w" ]; then printf '@w unreadable - - %s\\n' "$_rel"; continue; fi
    _h=$(sha256sum < "$_w") || { printf '@w unreadable - - %s\\n' "$_rel"; continue; }
    _st=$(stat -L -c '%s %Y' "$_w") || _st='- -'
    printf '@w %s %s %s\\n' "\${_h%% *}" "$_st" "$_rel"
    owner "$_w"
  done
}`,
    `p_packages() {
  if command -v dpkg-query >/dev/null 2>&1 && [ -d "$R/var/lib/dpkg" ]; then
    dpkg-query --admindir="$R/var/lib/dpkg" -W -f='\${binary:Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n'
  elif command -v rpm >/dev/null 2>&1; then
    if [ -n "$R" ]; then rpm --root "$R" -qa --qf '%{NAME}.%{ARCH}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\tii\\n'
    else rpm -qa --qf '%{NAME}.%{ARCH}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\tii\\n'; fi
  elif [ -r "$R/lib/apk/db/installed" ]; then
    awk -F: '$1=="P"{p=$2} $1=="V"{printf "%s\\t%s\\tii\\n", p, $2}' "$R/lib/apk/db/installed"
  else
    echo '@unavailable no dpkg-query, rpm or apk database'
  fi
}`,
    // Which unit files exist, link where (enabled = a link in *.wants, masked = a link to /dev/null) and the boot:
    // unchanged since the previous pass means the unit-file states are too, and list-unit-files (slow: it reads
    // every unit) is skipped.
    `p_services() {
  if ! command -v systemctl >/dev/null 2>&1; then echo '@unavailable no systemctl'; return 0; fi
  set --
  for _d in "$R"/etc/systemd/system "$R"/etc/systemd/system/*.wants "$R"/etc/systemd/system/*.requires "$R"/run/systemd/system \\
    "$R"/lib/systemd/system "$R"/usr/lib/systemd/system "$R"/usr/local/lib/systemd/system "$R"/etc/init.d; do
    [ -d "$_d" ] && set -- "$@" "$_d"
  done
  _fp=$( { cat "$R/proc/sys/kernel/random/boot_id"; [ $# -eq 0 ] || ls -la "$@"; } 2>/dev/null | cksum)
  printf '@fp %s\\n' "$_fp"
  if [ -n "$UNITFP" ] && [ "$_fp" = "$UNITFP" ]; then
    echo '@same'
  else
    _uf=$(systemctl list-unit-files --type=service --no-legend --no-pager 2>&1) || { echo "@unavailable $(printf '%s' "$_uf" | head -n 1)"; return 0; }
    printf '%s\\n' "$_uf" | sed 's/^/F /'
  fi
  systemctl list-units --type=service --all --no-legend --no-pager --plain 2>/dev/null | sed 's/^/U /'
  return 0
}`,
    `p_ports() {
  if command -v ss >/dev/null 2>&1; then
    ss -H -l -t -u -n -p 2>/dev/null | sed 's/^/S /' && return 0
  fi
  _pf=
  for _p in tcp tcp6 udp udp6; do
    [ -r "$R/proc/1/net/$_p" ] && _n="$R/proc/1/net/$_p" || _n="$R/proc/net/$_p"
    [ -r "$_n" ] && sed "s/^/P $_p /" "$_n" && _pf=1
  done
  [ -n "$_pf" ] || echo '@unavailable no ss and no /proc/net'
  return 0
}`,
    'sec boot-id p_bootid',
    'sec group p_group',
    'sec sudoers p_sudoers',
    'sec cron p_cron',
    'sec authorized-keys p_keys',
    'sec watched p_watched',
    'sec packages p_packages',
    'sec services p_services',
    'sec ports p_ports',
  ];
  if (options.docker) {
    lines.push(
      `p_images() {
  if ! command -v docker >/dev/null 2>&1; then echo '@unavailable no docker'; return 0; fi
  docker images --no-trunc --format '{{.ID}}\\t{{.Repository}}:{{.Tag}}'
}`,
      'sec docker-images p_images',
    );
  }
  return lines;
}

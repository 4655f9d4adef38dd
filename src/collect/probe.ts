import type { LogCursor } from '../types.js';
import { dockerProbeBody } from './docker.js';
import { shGlob, shQuote } from './shell.js';
import { buildStateProbe, type StateProbeOptions } from './state-probe.js';

/** Bytes of a log file's head that a new cursor fingerprints. */
export const FINGERPRINT_BYTES = 1024;

/** The fact sections of the probe, in output order (`log:<n>` sections follow for the log patterns). */
export const FACT_SECTIONS = [
  'cpu-1',
  'os-release',
  'hostname',
  'kernel',
  'uptime',
  'loadavg',
  'meminfo',
  'df',
  'passwd',
  'cpu-2',
] as const;

export type FactSection = (typeof FACT_SECTIONS)[number];

export interface ProbeOptions {
  /** Every file is read under this directory (`/` for the host itself). */
  rootfs: string;
  /** Absolute log paths or globs, as configured (index n becomes section `log:<n>`). */
  logPatterns: string[];
  /** Previous cursors: their fingerprint length decides how much of each file (and sibling) is fingerprinted. */
  cursors: LogCursor[];
  /** Random per-pass token in the marker lines, so no file content can forge a section boundary. */
  token: string;
  /** Add the `docker` section (`docker ps -a` and `docker inspect`, see docker.ts). Default false. */
  docker?: boolean;
  /** Add the state sections (state-probe.ts) for change detection. */
  state?: StateProbeOptions;
}

/** `/srv/h1/` -> `/srv/h1`, `/` -> `` : the prefix put before every absolute path. */
export function rootPrefix(rootfs: string): string {
  return rootfs.replace(/\/+$/, '');
}

/** Whether a configured log path is a glob (`*`, `?` or `[`), whose matches are sources of their own. */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * Builds the ONE POSIX sh script that gathers a host's facts and the state of its log files (run with `sh -s`, the
 * script on stdin, so the login shell of the remote user does not matter). Only dash/busybox-safe constructs are
 * used. Output: for each section a line `<marker> out <name>`, its stdout, a line `<marker> end <name> <status>`,
 * then its stderr (at most 1 KiB). A failing section does not stop the others.
 *
 * Log sections print one record per line (`file <state> <path>`, `stat <inode> <size>`, `fp <value> <len>`,
 * `head <value> <len>`, `sib <inode> <size> <path>`, `sibfp ...`, `gz <path>`, `gzfp ...`, `gzsize <4 bytes>`),
 * parsed by `parseLogSection`.
 */
export function buildProbeScript(options: ProbeOptions): string {
  const root = rootPrefix(options.rootfs);
  const hostnameBody =
    root === ''
      ? 'cat "$R/proc/sys/kernel/hostname" 2>/dev/null || cat "$R/etc/hostname"'
      : // Under another rootfs /proc shows OUR namespace's hostname (it is per reader, not per mount): prefer /etc.
        'cat "$R/etc/hostname" 2>/dev/null || cat "$R/proc/sys/kernel/hostname"';
  const lines = [
    '{',
    `R=${shQuote(root)}`,
    // For the commands the probe runs (df, ss, systemctl, docker): a wrapper on PATH can answer for a mounted host.
    'DTHOSTMON_ROOTFS=${R:-/}; export DTHOSTMON_ROOTFS',
    `M=${shQuote(`@@dthm-${options.token}`)}`,
    "NL='",
    "'",
    'if command -v cksum >/dev/null 2>&1; then FPA=cksum; else FPA=md5; fi',
    'exec 3>&1',
    ...HELPERS,
    cursorLengthFunction(options.cursors),
    'p_cpu() { grep "^cpu" "$R/proc/stat"; }',
    'p_os() { if [ -r "$R/etc/os-release" ]; then cat "$R/etc/os-release"; else cat "$R/usr/lib/os-release"; fi; }',
    `p_hostname() { ${hostnameBody}; }`,
    'p_kernel() { cat "$R/proc/sys/kernel/osrelease" 2>/dev/null || uname -r; }',
    'p_uptime() { cat "$R/proc/uptime"; }',
    'p_loadavg() { cat "$R/proc/loadavg"; }',
    'p_meminfo() { cat "$R/proc/meminfo"; }',
    // A hung network mount must not eat the whole command timeout.
    'p_df() { if command -v timeout >/dev/null 2>&1; then timeout 15 df -P -k; else df -P -k; fi; }',
    'p_passwd() { cat "$R/etc/passwd"; }',
    'sec cpu-1 p_cpu',
    'sec os-release p_os',
    'sec hostname p_hostname',
    'sec kernel p_kernel',
    'sec uptime p_uptime',
    'sec loadavg p_loadavg',
    'sec meminfo p_meminfo',
    'sec df p_df',
    'sec passwd p_passwd',
  ];
  if (options.docker) lines.push(`p_docker() {\n${dockerProbeBody()}\n}`, 'sec docker p_docker');
  if (options.state) lines.push(...buildStateProbe(options.state));
  options.logPatterns.forEach((pattern, index) => {
    const word = isGlob(pattern) ? `"$R"${shGlob(pattern)}` : `"$R"${shQuote(pattern)}`;
    lines.push(`p_log_${index}() { for _f in ${word}; do logfile "$_f" ${isGlob(pattern) ? 1 : 0}; done; }`);
    lines.push(`sec log:${index} p_log_${index}`);
  });
  lines.push('} </dev/null', '');
  return lines.join('\n');
}

/**
 * The second `/proc/stat` sample of a first pass (no stored counters to compare with), as section `cpu-2`. Sent to
 * the same shell after the probe (and the read), so it uses the probe's functions; it sleeps only the part of the
 * sampling window that the read did not already take.
 */
export function buildCpuSampleScript(waitSeconds: number): string {
  const wait = Math.max(0, Math.ceil(waitSeconds));
  return ['{', 'exec 3>&1', ...(wait > 0 ? [`sleep ${wait}`] : []), 'sec cpu-2 p_cpu', '} </dev/null', ''].join('\n');
}

/** `cursorlen <path>` prints the fingerprint length of that path's cursor, or nothing when it has none. */
function cursorLengthFunction(cursors: LogCursor[]): string {
  if (cursors.length === 0) return 'cursorlen() { :; }';
  const cases = cursors.map((c) => `${shQuote(c.path)}) echo ${Math.max(0, Math.floor(c.fingerprintLen))};;`);
  return ['cursorlen() {', 'case "$1" in', ...cases, 'esac', '}'].join('\n');
}

/**
 * Shell helpers. Every function uses its own `_x` variable names: sh has no local variables and these call each
 * other. `sec` runs a body with stdout going straight out (fd 3) and only stderr captured.
 */
const HELPERS = [
  `sec() {
  printf '%s out %s\\n' "$M" "$1"
  _e=$( { "$2"; } 2>&1 1>&3 )
  _r=$?
  printf '\\n%s end %s %s\\n' "$M" "$1" "$_r"
  if [ -n "$_e" ]; then printf '%s' "$_e" | head -c 1024; printf '\\n'; fi
}`,
  // fp LABEL BYTES COMMAND...: fingerprint of the first BYTES of COMMAND's output, as `LABEL value length`.
  `fp() {
  _fl=$1; _fn=$2; shift 2
  if [ "$FPA" = cksum ]; then
    _fv=$("$@" 2>/dev/null | head -c "$_fn" | cksum) && printf '%s %s\\n' "$_fl" "$_fv"
  else
    _fv=$("$@" 2>/dev/null | head -c "$_fn" | md5sum) && _fc=$("$@" 2>/dev/null | head -c "$_fn" | wc -c) &&
      printf '%s md5:%s %s\\n' "$_fl" "\${_fv%% *}" "$_fc"
  fi
}`,
  // A name with a newline could forge probe records (the output is line-based): such siblings are never used.
  `sib() {
  case "$1" in *"$NL"*) return 0;; esac
  [ -f "$1" ] && [ -r "$1" ] || return 0
  _ss=$(stat -L -c '%i %s' "$1") || return 0
  printf 'sib %s %s\\n' "$_ss" "\${1#"$R"}"
  fp sibfp "$2" cat "$1"
}`,
  `sibgz() {
  case "$1" in *"$NL"*) return 0;; esac
  [ -f "$1" ] && [ -r "$1" ] || return 0
  printf 'gz %s\\n' "\${1#"$R"}"
  fp gzfp "$2" gzip -dc "$1"
  printf 'gzsize %s\\n' "$(tail -c 4 "$1" | od -An -tu1)"
}`,
  // Rotated siblings: numbered (.1, .0), the two newest dateext names (-YYYYMMDD[HH]), and the compressed ones.
  `siblings() {
  sib "$1.1" "$2"
  sib "$1.0" "$2"
  _sa=; _sb=; _sz=
  for _s in "$1"-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*; do
    [ -f "$_s" ] || continue
    case "$_s" in
      *"$NL"*) ;;
      *.gz) _sz=$_s;;
      *.xz|*.bz2|*.zst|*.lz4|*.Z) ;;
      *) _sb=$_sa; _sa=$_s;;
    esac
  done
  [ -z "$_sa" ] || sib "$_sa" "$2"
  [ -z "$_sb" ] || sib "$_sb" "$2"
  sibgz "$1.1.gz" "$2"
  [ -z "$_sz" ] || sibgz "$_sz" "$2"
}`,
  // logfile PATH IS_GLOB: one record group per matched file.
  `logfile() {
  _f=$1
  case "$_f" in *"$NL"*) printf 'file newline -\\n'; return 0;; esac
  _rel=\${_f#"$R"}
  if [ "$2" = 1 ]; then
    case "$_rel" in
      *.gz|*.xz|*.bz2|*.zst|*.lz4|*.Z|*.[0-9]|*.[0-9][0-9]) return 0;;
      *-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]|*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) return 0;;
    esac
  fi
  if [ ! -e "$_f" ]; then printf 'file missing %s\\n' "$_rel"; return 0; fi
  if [ ! -f "$_f" ]; then printf 'file notfile %s\\n' "$_rel"; return 0; fi
  if [ ! -r "$_f" ]; then printf 'file unreadable %s\\n' "$_rel"; return 0; fi
  printf 'file ok %s\\n' "$_rel"
  _st=$(stat -L -c '%i %s' "$_f") || return 0
  printf 'stat %s\\n' "$_st"
  _n=$(cursorlen "$_rel")
  fp fp "\${_n:-${FINGERPRINT_BYTES}}" cat "$_f"
  [ -n "$_n" ] || return 0
  [ "$_n" = ${FINGERPRINT_BYTES} ] || fp head ${FINGERPRINT_BYTES} cat "$_f"
  siblings "$_f" "$_n"
}`,
];

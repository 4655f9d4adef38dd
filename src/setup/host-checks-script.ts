/**
 * The one POSIX sh script `dthostmon setup` runs on a host (with `sh -s`, or `sudo -n sh -s` for `sudo: true`, the
 * same commands `run` uses): who it runs as, read access to every configured log path and glob (under rootfs, with
 * the probe's quoting and the probe's skipping of rotated glob matches), and which tools exist. It reads no log
 * content: each file gets one `test -r`, so nothing it prints can come from a file.
 */
import { isGlob, rootPrefix } from '../collect/probe.js';
import { shGlob, shQuote } from '../collect/shell.js';

export interface ChecksScriptOptions {
  rootfs: string;
  /** Configured log paths and globs, in config order. */
  logPatterns: readonly string[];
  /** Also try `docker ps` (the host has `check_docker`). */
  docker: boolean;
}

/** Commands `run` may call; `dpkg-query` is what the package section uses. */
const TOOLS = ['journalctl', 'docker', 'ss', 'dpkg-query', 'rpm', 'apk', 'sudo'] as const;

/** Seconds `docker ps` may take: a daemon that hangs must not eat the command timeout. */
const DOCKER_TIMEOUT_SECONDS = 15;

export function buildChecksScript(options: ChecksScriptOptions): string {
  const lines = [
    '{',
    `R=${shQuote(rootPrefix(options.rootfs))}`,
    'DTHOSTMON_ROOTFS=${R:-/}; export DTHOSTMON_ROOTFS',
    "NL='",
    "'",
    'printf \'id %s %s\\n\' "$(id -u)" "$(id -un)"',
    'printf \'groups %s\\n\' "$(id -Gn)"',
    // chk INDEX FILE IS_GLOB: one `log` line per file; rotated matches of a glob are read through their live file.
    `chk() {
  case "$2" in *"$NL"*) return 0;; esac
  _rel=\${2#"$R"}
  if [ "$3" = 1 ]; then
    case "$_rel" in
      *.gz|*.xz|*.bz2|*.zst|*.lz4|*.Z|*.[0-9]|*.[0-9][0-9]) return 0;;
      *-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]|*-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) return 0;;
    esac
  fi
  if [ ! -e "$2" ]; then printf 'log %s missing - %s\\n' "$1" "$_rel"
  elif [ ! -f "$2" ]; then printf 'log %s notfile - %s\\n' "$1" "$_rel"
  elif [ ! -r "$2" ]; then printf 'log %s unreadable %s %s\\n' "$1" "$(stat -L -c '%U:%G:%a' "$2" 2>/dev/null || echo -)" "$_rel"
  else printf 'log %s ok - %s\\n' "$1" "$_rel"; fi
}`,
  ];
  options.logPatterns.forEach((pattern, index) => {
    const word = isGlob(pattern) ? `"$R"${shGlob(pattern)}` : `"$R"${shQuote(pattern)}`;
    lines.push(`for _f in ${word}; do chk ${index} "$_f" ${isGlob(pattern) ? 1 : 0}; done`);
  });
  lines.push(`for _t in ${TOOLS.join(' ')}; do if command -v "$_t" >/dev/null 2>&1; then echo "tool $_t yes"; else echo "tool $_t no"; fi; done`);
  if (options.docker) {
    lines.push(
      `if command -v docker >/dev/null 2>&1; then
  if command -v timeout >/dev/null 2>&1; then _to="timeout ${DOCKER_TIMEOUT_SECONDS}"; else _to=; fi
  if _de=$($_to docker ps -q 2>&1 >/dev/null); then echo 'docker-access ok'
  else printf 'docker-access fail %s\\n' "$(printf '%s' "$_de" | head -n 1)"; fi
fi`,
    );
  }
  lines.push('} </dev/null', '');
  return lines.join('\n');
}

/** One log record of the script: the pattern index, the state, `owner:group:mode` (unreadable only) and the path. */
export interface ScriptLogLine {
  index: number;
  state: 'ok' | 'missing' | 'notfile' | 'unreadable';
  owner: string | null;
  path: string;
}

export interface ChecksOutput {
  uid: number | null;
  user: string | null;
  groups: string[];
  logs: ScriptLogLine[];
  /** Tool name -> present (only the tools the script asked about). */
  tools: Map<string, boolean>;
  /** `docker ps`: null when not asked or docker is absent. */
  dockerAccess: { isOk: boolean; message: string } | null;
}

const LOG_STATES = new Set(['ok', 'missing', 'notfile', 'unreadable']);

/** Parses the script's output. Unknown or malformed lines (a login banner on stdout) are ignored. Pure. */
export function parseChecksOutput(text: string): ChecksOutput {
  const out: ChecksOutput = { uid: null, user: null, groups: [], logs: [], tools: new Map(), dockerAccess: null };
  for (const line of text.split('\n')) {
    const [kind, ...rest] = line.split(' ');
    if (kind === 'id' && rest.length >= 2 && /^\d+$/.test(rest[0] ?? '')) {
      out.uid = Number(rest[0]);
      out.user = rest.slice(1).join(' ');
    } else if (kind === 'groups') {
      out.groups = rest.filter((g) => g !== '');
    } else if (kind === 'log') {
      const [index, state, owner, ...path] = rest;
      if (!/^\d+$/.test(index ?? '') || !LOG_STATES.has(state ?? '') || path.length === 0) continue;
      out.logs.push({ index: Number(index), state: state as ScriptLogLine['state'], owner: owner && owner !== '-' ? owner : null, path: path.join(' ') });
    } else if (kind === 'tool' && rest.length === 2 && (rest[1] === 'yes' || rest[1] === 'no')) {
      out.tools.set(rest[0] as string, rest[1] === 'yes');
    } else if (kind === 'docker-access') {
      out.dockerAccess = { isOk: rest[0] === 'ok', message: rest.slice(1).join(' ').trim() };
    }
  }
  return out;
}

#!/usr/bin/env bash
# setup.sh: prepares this checkout to run dthostmon (docs/setup-sh.md). Eight steps; each checks first, says what it
# found, asks before changing anything (q or Ctrl-C cancels), and skips what is already done unless --redo names it.
# Every question, answer, command and its output goes to logs/setup-YYYYMMDD-HHMMSS.log. --yes takes the defaults.
# shellcheck disable=SC2016 # backquotes in single-quoted messages are literal: they mark commands, as in the docs
set -uo pipefail

STEPS=(node deps build config key db schedule run)
usage() {
  cat <<'EOF'
usage: ./setup.sh [-y|--yes] [--redo STEP[,STEP...]|all] [-c|--config FILE] [--systemd] [-h|--help]

Prepares this checkout to run dthostmon. Each step checks whether it is needed and says what it
found; when it is needed it asks first ([Y/n]: Enter means yes, [y/N]: Enter means no, q quits).
What is already done is skipped unless --redo names the step. Questions, answers, commands and
their output are logged to logs/setup-YYYYMMDD-HHMMSS.log (nothing secret is handled or logged).

Steps (the default answer when the step is needed; with --redo, in brackets after it):
  1 node      Node.js >= the "engines" of package.json; if missing or older, says how to install it
  2 deps      npm ci when node_modules is missing or older than package-lock.json       yes [yes]
  3 build     npm run build when dist/ is missing or older than src/                   yes [yes]
  4 config    create the config when it is missing: this machine over the local
              transport (optionally plus SSH hosts), or a copy of the example to edit   local [keep]
              Never overwritten without asking. Then checked with `dthostmon config validate`.
  5 key       an SSH key for the hosts that use SSH, when missing (skipped when every
              host is local)                                                             yes [keep]
  6 db        database reachable and migrated (dthostmon db status / db migrate)        yes [yes]
  7 schedule  a crontab line for this user (hourly at :17, logs/cron.log), when the
              crontab has no dthostmon line; with --systemd a service + timer instead   yes [keep]
  8 run       one monitoring pass now, with its summary (optional)                      no  [yes]

Options:
  -y, --yes          no questions: take every default (unattended use)
  --redo STEP        redo a step that is already done (repeatable or comma-separated; "all")
  -c, --config FILE  the config (default: $DTHOSTMON_CONFIG, else config/dthostmon.yaml here)
  --systemd          schedule with dthostmon.service + dthostmon.timer in /etc/systemd/system
                     (root only; enabled with systemctl when systemd is running)
  -h, --help         this help

Cancel: q at any question (exit 1), Ctrl-C (exit 130), or end of input (exit 1). A step is
never left half-done, and nothing after the cancelled step is done.
Exit codes: 0 set up, 1 a step failed or setup was cancelled, 2 usage or config error,
3 database unavailable, 130 cancelled with Ctrl-C.
EOF
}

die_usage() {
  printf 'setup.sh: %s (see ./setup.sh --help)\n' "$1" >&2
  exit 2
}

# --- arguments (before anything is written) ---
START_DIR=$PWD
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P) || exit 1
YES=0
SYSTEMD=0
CONFIG_ARG=''
REDO=()
add_redo() {
  local name
  IFS=',' read -r -a names <<<"$1"
  for name in "${names[@]}"; do
    [[ " all ${STEPS[*]} " == *" $name "* ]] || die_usage "--redo: unknown step '$name' (steps: ${STEPS[*]}, all)"
    REDO+=("$name")
  done
}
while [ $# -gt 0 ]; do
  case $1 in
    -y | --yes) YES=1 ;;
    --systemd) SYSTEMD=1 ;;
    -h | --help) usage; exit 0 ;;
    --redo) [ $# -ge 2 ] || die_usage '--redo needs a step'; add_redo "$2"; shift ;;
    --redo=*) add_redo "${1#--redo=}" ;;
    -c | --config)
      if [ $# -lt 2 ] || [ -z "$2" ]; then die_usage "$1 needs a file"; fi
      CONFIG_ARG=$2
      shift ;;
    --config=*) CONFIG_ARG=${1#--config=}; [ -n "$CONFIG_ARG" ] || die_usage '--config needs a file' ;;
    *) die_usage "unknown option '$1'" ;;
  esac
  shift
done
# Where units go; overridable so the step can be tried (and tested) without touching the machine.
UNIT_DIR=${DTHOSTMON_SYSTEMD_DIR:-/etc/systemd/system}
if [ "$SYSTEMD" = 1 ]; then
  [ "$(id -u)" = 0 ] || die_usage '--systemd writes to /etc/systemd/system and needs root'
  [ -d "$UNIT_DIR" ] || die_usage "--systemd: $UNIT_DIR does not exist (is this a systemd machine?)"
fi

config_default() {
  local path=${CONFIG_ARG:-${DTHOSTMON_CONFIG:-}}
  [ -n "$path" ] || { printf '%s\n' "$DIR/config/dthostmon.yaml"; return; }
  case $path in /*) ;; *) path=$START_DIR/$path ;; esac
  realpath -m -- "$path"
}
CONFIG=$(config_default)
cd "$DIR" || exit 1

# --- log ---
mkdir -p logs || { echo "setup.sh: cannot create $DIR/logs" >&2; exit 1; }
LOG_BASE=$DIR/logs/setup-$(date +%Y%m%d-%H%M%S)
LOG=$LOG_BASE.log
n=1
while [ -e "$LOG" ]; do n=$((n + 1)); LOG=$LOG_BASE-$n.log; done
: >"$LOG" || { echo "setup.sh: cannot write $LOG" >&2; exit 1; }

say() { printf '%s\n' "$*"; printf '%s\n' "$*" >>"$LOG"; }
log() { printf '%s\n' "$*" >>"$LOG"; }
log "setup.sh $(date -Iseconds) user=$(id -un) host=$(hostname) dir=$DIR config=$CONFIG yes=$YES redo=${REDO[*]:-none} systemd=$SYSTEMD"

# --- steps bookkeeping, cancellation ---
CURRENT=0
declare -a STATUS NOTE
CLEANUP=''   # what to undo if the current step is interrupted (a command string run by cancel)
CHANGED=0

cancel() {
  trap '' INT TERM HUP
  [ -n "$CLEANUP" ] && eval "$CLEANUP"
  printf '\n' >&2
  if [ "$CURRENT" -gt 0 ]; then say "setup cancelled at step $CURRENT (${STEPS[CURRENT - 1]}); nothing after it was done"; else say 'setup cancelled'; fi
  say "log: $LOG"
  exit "$1"
}
trap 'cancel 130' INT
trap 'cancel 143' TERM
trap 'cancel 129' HUP

is_redo() { [[ " ${REDO[*]:-} " == *" $1 "* || " ${REDO[*]:-} " == *" all "* ]]; }
begin() { CURRENT=$1; CLEANUP=''; say ''; say "[$1/${#STEPS[@]}] ${STEPS[$1 - 1]}: $2"; }
found() { say "  found: $*"; }
# finish STATUS NOTE: ok (already done), done (done now), skipped (declined), failed.
finish() {
  STATUS[CURRENT]=$1
  NOTE[CURRENT]=$2
  CLEANUP=''
  [ "$1" = 'done' ] && CHANGED=1
  say "  => $1: $2"
}
# stop CODE NOTE: a failure the later steps cannot go on from.
stop() {
  finish failed "$2"
  say ''
  say "setup stopped at step $CURRENT (${STEPS[CURRENT - 1]}): $2; nothing after it was done"
  say "log: $LOG"
  exit "$1"
}

# ask QUESTION DEFAULT(y|n): 0 for yes, 1 for no. q and end of input cancel.
ask() {
  choose "$1" "$2" y n
  [ "$CHOICE" = y ]
}

# choose QUESTION DEFAULT LETTERS...: sets CHOICE to the letter chosen. q and end of input cancel.
# (A global, not output: cancelling inside $(...) would only end the subshell.)
CHOICE=''
choose() {
  local question=$1 default=$2 letters answer hint='' letter
  shift 2
  letters=" $* "
  for letter in "$@"; do
    [ "$letter" = "$default" ] && letter=$(printf '%s' "$letter" | tr '[:lower:]' '[:upper:]')
    hint+="$letter/"
  done
  hint+=q
  if [ "$YES" = 1 ]; then
    say "  $question [$hint] $default (--yes)"
    CHOICE=$default
    return
  fi
  while :; do
    printf '  %s [%s] ' "$question" "$hint"
    IFS= read -r answer || { log "  $question [$hint] <end of input>"; cancel 1; }
    [ -t 0 ] || printf '%s\n' "$answer"
    log "  $question [$hint] answer: ${answer:-<Enter>}"
    answer=$(printf '%s' "${answer:-$default}" | tr '[:upper:]' '[:lower:]')
    case $answer in yes) answer=y ;; no) answer=n ;; quit) answer=q ;; esac
    [ "$answer" = q ] && cancel 1
    [[ $letters == *" $answer "* ]] && { CHOICE=$answer; return; }
    say "  please answer one of: $* or q"
  done
}

# run_cmd CMD...: shows and logs the command, runs it with its output to the terminal and the log.
run_cmd() {
  say "  \$ $(printf '%q ' "$@")"
  "$@" </dev/null 2>&1 | tee -a "$LOG"
  return "${PIPESTATUS[0]}"
}

NODE=''
dthostmon() { "$NODE" "$DIR/bin/dthostmon.js" "$@"; }
# run_dthostmon ARGS...: run_cmd for the CLI of this checkout, shown as `dthostmon ARGS`.
run_dthostmon() {
  say "  \$ dthostmon $*"
  # Through tee stderr is a pipe: keep the readable log lines a person reads here (docs/logging.md).
  DTHOSTMON_LOG_FORMAT=${DTHOSTMON_LOG_FORMAT:-text} dthostmon "$@" </dev/null 2>&1 | tee -a "$LOG"
  return "${PIPESTATUS[0]}"
}

# --- 1. node ---
step_node() {
  local want have
  want=$(sed -n 's/.*"node"[[:space:]]*:[[:space:]]*">=[[:space:]]*\([0-9][0-9.]*\)".*/\1/p' package.json | head -n 1)
  want=${want:-20.19}
  begin 1 "Node.js >= $want"
  NODE=$(command -v node || true)
  have=''
  [ -n "$NODE" ] && have=$("$NODE" -p 'process.versions.node' 2>/dev/null)
  if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1)" = "$want" ]; then
    found "Node.js $have at $NODE"
    is_redo node && say '  (setup.sh does not install Node.js: nothing to redo)'
    finish ok "Node.js $have"
    return
  fi
  if [ -n "$have" ]; then found "Node.js $have at $NODE, older than $want"; else found 'no node on PATH'; fi
  say "  Install Node.js $want or newer, then run ./setup.sh again. For example:"
  say '    Debian/Ubuntu: curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs'
  say '    any Linux, per user: https://github.com/nvm-sh/nvm, then: nvm install 22'
  say '    or a binary from https://nodejs.org/en/download'
  stop 1 "Node.js $want or newer is required${have:+ (found $have)}"
}

# --- 2. deps ---
step_deps() {
  begin 2 'node_modules'
  local cmd=(npm ci --no-audit --no-fund) why=''
  [ -f package-lock.json ] || cmd=(npm install --no-audit --no-fund)
  if [ ! -d node_modules ]; then
    why='node_modules is missing'
  elif [ -f package-lock.json ] && [ ! -f node_modules/.package-lock.json ]; then
    why='node_modules was not installed by npm ci to the end (no node_modules/.package-lock.json)'
  elif [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; then
    why='package-lock.json is newer than node_modules'
  fi
  if [ -z "$why" ]; then
    if [ -f package-lock.json ]; then found 'node_modules is newer than package-lock.json'; else found 'node_modules is present (no package-lock.json to compare with)'; fi
    if ! is_redo deps || ! ask "Reinstall with \`${cmd[*]}\`?" y; then finish ok 'node_modules is up to date'; return; fi
  else
    found "$why"
    if ! ask "Install with \`${cmd[*]}\`?" y; then
      [ -d node_modules ] || stop 1 'no node_modules (declined); the steps after it need them'
      finish skipped "$why (declined)"
      return
    fi
  fi
  command -v npm >/dev/null || stop 1 'npm is not on PATH (it comes with Node.js)'
  run_cmd "${cmd[@]}" || stop 1 "\`${cmd[*]}\` failed (output above)"
  finish 'done' "installed with \`${cmd[*]}\`"
}

# --- 3. build ---
step_build() {
  begin 3 'dist/ built from src/'
  local why='' newer
  if [ ! -d src ]; then
    [ -f dist/cli/main.js ] || stop 1 'neither src/ nor a built dist/ is here'
    found 'dist/ is prebuilt (no src/ here)'
    finish ok 'dist/ is prebuilt'
    return
  fi
  if [ ! -f dist/cli/main.js ]; then
    why='dist/ is missing or incomplete'
  else
    newer=$(find src tsconfig.json tsconfig.build.json -newer dist/cli/main.js -type f -print -quit 2>/dev/null)
    [ -n "$newer" ] && why="dist/ is older than src/ ($newer changed)"
  fi
  if [ -z "$why" ]; then
    found 'dist/ is newer than src/'
    if ! is_redo build || ! ask 'Rebuild with `npm run build`?' y; then finish ok 'dist/ is up to date'; return; fi
  else
    found "$why"
    if ! ask 'Build with `npm run build`?' y; then
      [ -f dist/cli/main.js ] || stop 1 'no build (declined); the steps after it need dist/'
      finish skipped "$why (declined)"
      return
    fi
  fi
  # An interrupted tsc leaves a mix of old and new files: removing main.js makes the next run build again.
  CLEANUP='rm -f dist/cli/main.js; say "  the interrupted build was marked incomplete; the next run builds again"'
  run_cmd npm run build || { rm -f dist/cli/main.js; stop 1 '`npm run build` failed (output above)'; }
  finish 'done' 'built dist/'
}

# --- 4. config ---
# A config for this machine (local transport, like examples/localhost.yaml) plus the SSH hosts given.
config_template() {
  local name=$1
  shift
  cat <<EOF
# dthostmon config written by setup.sh on $(date +%Y-%m-%d) for $(hostname).
# Every key is described in docs/configuration.md and, with a comment, in examples/dthostmon.example.yaml.
# Check it with: dthostmon config -c $CONFIG

global:
  reports_dir: $DIR/var/reports      # host reports: <host>/<UTC time>.md (+ .html daily)
  outbox_dir: $DIR/var/outbox        # no SMTP configured: alert and report emails are written here as .eml files

database:
  path: $DIR/var/dthostmon.db        # SQLite
EOF
  if [ $# -gt 0 ]; then
    cat <<'EOF'

ssh:
  key_path: ~/.ssh/id_ed25519        # the monitor's key; install it on the hosts with `dthostmon setup --push-keys`
EOF
  fi
  cat <<EOF

hosts:
  - name: $name
    transport: local                 # this machine, without SSH
    rootfs: /
    tags: [local]
EOF
  local spec user host port
  for spec in "$@"; do
    user=${spec%%@*}
    host=${spec#*@}
    port=22
    [[ $host == *:* ]] && { port=${host##*:}; host=${host%:*}; }
    printf '  - name: %s\n    hostname: %s\n    user: %s\n    port: %s\n' "$host" "$host" "$user" "$port"
  done
}

# ask_ssh_hosts LOCALNAME: sets SSH_HOSTS to the SSH hosts to add, user@host[:port] words (none under --yes).
SSH_HOSTS=''
ask_ssh_hosts() {
  local question='SSH hosts to monitor too (user@host[:port] ..., Enter for none):' answer spec host seen bad
  SSH_HOSTS=''
  [ "$YES" = 1 ] && { say "  $question (none: --yes)"; return; }
  while :; do
    printf '  %s ' "$question"
    IFS= read -r answer || { log "  $question <end of input>"; cancel 1; }
    [ -t 0 ] || printf '%s\n' "$answer"
    log "  $question answer: ${answer:-<Enter>}"
    [ "$answer" = q ] && cancel 1
    seen=" $1 "
    bad=''
    for spec in $answer; do
      if [[ ! $spec =~ ^[A-Za-z_][A-Za-z0-9_.-]*@[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?$ ]]; then bad="not user@host[:port]: $spec"; break; fi
      host=${spec#*@}
      host=${host%:*}
      [[ $seen == *" $host "* ]] && { bad="host $host is listed twice"; break; }
      seen+="$host "
    done
    [ -z "$bad" ] && { SSH_HOSTS=$answer; return; }
    say "  $bad"
  done
}

write_config() {
  local choice=$1 name tmp
  mkdir -p "$(dirname "$CONFIG")" || stop 1 "cannot create $(dirname "$CONFIG")"
  tmp=$(mktemp "$(dirname "$CONFIG")/.setup-config.XXXXXX") || stop 1 "cannot write in $(dirname "$CONFIG")"
  CLEANUP="rm -f '$tmp'"
  if [ "$choice" = e ]; then
    cp examples/dthostmon.example.yaml "$tmp" || stop 1 'cannot copy examples/dthostmon.example.yaml'
  else
    # A host id starts with a letter or digit and holds letters, digits, ".", "_" or "-".
    name=$(hostname -s 2>/dev/null | tr -c 'A-Za-z0-9._\n-' '-' | sed 's/^[._-]*//')
    [ -n "$name" ] || name=localhost
    ask_ssh_hosts "$name"
    # shellcheck disable=SC2086 # one word per host
    config_template "$name" $SSH_HOSTS >"$tmp" || stop 1 "cannot write $tmp"
    log '  --- config written ---'
    cat "$tmp" >>"$LOG"
    log '  --- end of config ---'
  fi
  # Written whole, then renamed: an interrupted step leaves no half-written config.
  mv -f "$tmp" "$CONFIG" || stop 1 "cannot write $CONFIG"
  say "  wrote $CONFIG"
}

step_config() {
  begin 4 "$CONFIG"
  local wrote=0
  if [ -f "$CONFIG" ]; then
    found "$CONFIG exists"
    if is_redo config && ask "Replace $CONFIG (the current one is saved as $(basename "$CONFIG").bak)?" n; then
      choose 'Replace it with: l = this machine (local transport), e = a copy of the example to edit?' l l e
      cp -p "$CONFIG" "$CONFIG.bak" || stop 1 "cannot save $CONFIG.bak"
      write_config "$CHOICE"
      wrote=1
    fi
  else
    found "$CONFIG does not exist"
    choose 'Create it: l = this machine (local transport, like the quick start), e = a copy of examples/dthostmon.example.yaml to edit, n = no?' l l e n
    [ "$CHOICE" = n ] && stop 1 'no config file (declined); the steps after it need one'
    write_config "$CHOICE"
    wrote=1
  fi
  local out rc
  say "  \$ dthostmon config validate -c $CONFIG"
  out=$(dthostmon config validate -c "$CONFIG" </dev/null 2>&1)
  rc=$?
  say "$out"
  if [ $rc -ne 0 ]; then
    say "  fix the problems above in $CONFIG (see docs/configuration.md), then run ./setup.sh again"
    stop 2 'the config does not validate'
  fi
  # `<file>: valid (N hosts, M enabled)`: the part after the file name.
  local summary
  summary=$(printf '%s\n' "$out" | sed -n 's/^.*: \(valid.*\)$/\1/p' | tail -n 1)
  if [ $wrote = 1 ]; then finish 'done' "created, $summary"; else finish ok "$summary"; fi
}

# --- 5. key ---
# The distinct private keys the enabled SSH hosts use (resolved like `run` does), one per line.
key_paths() {
  "$NODE" --input-type=module -e '
    import { pathToFileURL } from "node:url";
    const { loadConfig } = await import(pathToFileURL(process.argv[1]).href);
    const config = await loadConfig(process.argv[2]);
    const keys = config.hosts.filter((h) => h.enabled && h.transport !== "local").map((h) => h.ssh.keyPath);
    for (const key of new Set(keys.filter((k) => k !== null))) console.log(key);' "$DIR/dist/config/load.js" "$CONFIG"
}

make_key() {
  local path=$1 dir tmp
  dir=$(dirname "$path")
  # shellcheck disable=SC2174 # 0700 is for the key's own folder (~/.ssh); folders above it keep the umask
  [ -d "$dir" ] || mkdir -p -m 700 "$dir" || return 1
  tmp=$dir/.setup-key.$$
  CLEANUP="rm -f '$tmp' '$tmp.pub'"
  run_cmd ssh-keygen -q -t ed25519 -N '' -C "dthostmon@$(hostname)" -f "$tmp" || return 1
  # The public half first: the private key's presence is what the check looks at.
  mv -f "$tmp.pub" "$path.pub" && mv -f "$tmp" "$path"
}

step_key() {
  begin 5 'SSH key for the hosts that use SSH'
  local paths missing=() path
  paths=$(key_paths 2>>"$LOG") || stop 1 'cannot read the key paths from the config'
  if [ -z "$paths" ]; then
    found 'every enabled host is local (or uses only the SSH agent): no key needed'
    finish ok 'no key needed'
    return
  fi
  while IFS= read -r path; do [ -f "$path" ] || missing+=("$path"); done <<<"$paths"
  if [ ${#missing[@]} -eq 0 ]; then
    found "${paths//$'\n'/, } exists"
    is_redo key && say '  (an existing key is never replaced: move it away first to make a new one)'
    finish ok "key exists: ${paths//$'\n'/, }"
    return
  fi
  found "missing: ${missing[*]}"
  ask "Create an Ed25519 key (no passphrase) at ${missing[*]}?" y || { finish skipped 'no key (declined)'; return; }
  if dthostmon setup --help 2>/dev/null </dev/null | grep -q -- '--generate-key'; then
    # Makes the config's ssh.key_path and checks every host (which fail until the key is installed there).
    run_dthostmon setup --generate-key -c "$CONFIG"
  fi
  # Without the setup command (or when it made no key): ssh-keygen, which setup.sh then has to show the key of.
  for path in "${missing[@]}"; do
    [ -f "$path" ] && continue
    command -v ssh-keygen >/dev/null || stop 1 'ssh-keygen is not installed (apt-get install openssh-client)'
    make_key "$path" || stop 1 "cannot create $path"
    say "  created $(ssh-keygen -l -f "$path.pub")"
    say "  public key: $(cat "$path.pub")"
  done
  say "  install it on each SSH host: dthostmon setup --push-keys -c $CONFIG (asks the password once),"
  say '  or: ssh-copy-id -i <key>.pub -p <port> <user>@<host>'
  finish 'done' "created ${missing[*]}"
}

# --- 6. db ---
step_db() {
  begin 6 'database reachable and migrated'
  local out rc
  say "  \$ dthostmon db status -c $CONFIG"
  out=$(dthostmon db status -c "$CONFIG" </dev/null 2>&1)
  rc=$?
  say "  $out"
  case $rc in
    0)
      found 'the schema is up to date'
      if ! is_redo db || ! ask 'Run `dthostmon db migrate` again?' y; then finish ok 'schema up to date'; return; fi ;;
    1)
      found 'migrations are pending'
      ask 'Migrate with `dthostmon db migrate`?' y || { finish skipped 'migrations pending (declined)'; return; } ;;
    3) stop 3 'the database is not reachable (above): check the database section of the config' ;;
    *) stop 1 "\`dthostmon db status\` failed (exit $rc)" ;;
  esac
  run_dthostmon db migrate -c "$CONFIG"
  rc=$?
  [ $rc -eq 0 ] || stop "$([ $rc -eq 3 ] && echo 3 || echo 1)" 'the migration failed (above)'
  finish 'done' 'migrated'
}

# --- 7. schedule ---
# A word for a cron command line: shell-quoted, and % (a newline to cron) escaped.
cron_word() { printf '%q' "$1" | sed 's/%/\\%/g'; }
cron_line() {
  printf '17 * * * * cd %s && %s %s run -c %s --quiet >> %s 2>&1\n' "$(cron_word "$DIR")" "$(cron_word "$NODE")" \
    "$(cron_word "$DIR/bin/dthostmon.js")" "$(cron_word "$CONFIG")" "$(cron_word "$DIR/logs/cron.log")"
}
# Lines of a crontab that run a dthostmon pass (ours, or one like crontab.example's).
CRON_PATTERN='^[[:space:]]*[^#[:space:]].*dthostmon(\.js)?[[:space:]]+run([[:space:]]|$)'

step_schedule_cron() {
  local current line tmp existing
  if ! command -v crontab >/dev/null; then
    found 'crontab is not installed'
    say '  install cron (apt-get install cron), or run ./setup.sh --systemd as root'
    finish failed 'no crontab command'
    return
  fi
  current=$(crontab -l 2>/dev/null)
  line=$(cron_line)
  existing=$(printf '%s\n' "$current" | grep -E "$CRON_PATTERN")
  if [ -n "$existing" ]; then
    found "your crontab runs dthostmon: $existing"
    if ! is_redo schedule || ! ask "Replace that line with: $line ?" n; then finish ok 'crontab line present'; return; fi
  else
    found "$(id -un)'s crontab has no dthostmon line"
    ask "Add to $(id -un)'s crontab: $line ?" y || { finish skipped 'no crontab line (declined)'; return; }
  fi
  tmp=$(mktemp) || stop 1 'cannot create a temp file'
  CLEANUP="rm -f '$tmp'"
  { printf '%s\n' "$current" | grep -v -E "$CRON_PATTERN" | sed '/./,$!d'; printf '%s\n' "$line"; } >"$tmp"
  # `crontab FILE` installs the whole file at once: an interruption leaves the old crontab or the new one.
  run_cmd crontab "$tmp"
  local rc=$?
  rm -f "$tmp"
  [ $rc -eq 0 ] || stop 1 '`crontab` refused the new crontab (above)'
  finish 'done' "crontab: $line"
}

unit_files() {
  cat >"$1/dthostmon.service" <<EOF
# Written by $DIR/setup.sh --systemd. One monitoring pass; dthostmon.timer starts it hourly.
[Unit]
Description=dthostmon: one monitoring pass over the configured hosts
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory=$DIR
ExecStart=$NODE $DIR/bin/dthostmon.js run -c $CONFIG --quiet
EOF
  cat >"$1/dthostmon.timer" <<'EOF'
# Written by setup.sh --systemd: an hourly dthostmon pass at minute 17, like crontab.example.
[Unit]
Description=hourly dthostmon pass

[Timer]
OnCalendar=*-*-* *:17:00
Persistent=true

[Install]
WantedBy=timers.target
EOF
}

step_schedule_systemd() {
  local service=$UNIT_DIR/dthostmon.service timer=$UNIT_DIR/dthostmon.timer tmp
  if command -v crontab >/dev/null && crontab -l 2>/dev/null | grep -q -E "$CRON_PATTERN"; then
    say "  note: $(id -un)'s crontab also runs dthostmon; remove that line (crontab -e) or it runs twice"
  fi
  if [ -f "$service" ] && [ -f "$timer" ]; then
    found "$service and $timer exist"
    if ! is_redo schedule || ! ask "Rewrite $service and $timer?" n; then finish ok 'systemd timer present'; return; fi
  else
    found "no dthostmon.timer in $UNIT_DIR"
    ask "Write $service and $timer (hourly at :17)?" y || { finish skipped 'no timer (declined)'; return; }
  fi
  tmp=$(mktemp -d "$UNIT_DIR/.setup-units.XXXXXX") || stop 1 "cannot write in $UNIT_DIR"
  CLEANUP="rm -rf '$tmp'"
  unit_files "$tmp" || stop 1 "cannot write in $UNIT_DIR"
  chmod 644 "$tmp"/* && mv -f "$tmp/dthostmon.service" "$service" && mv -f "$tmp/dthostmon.timer" "$timer"
  rm -rf "$tmp"
  log "  --- $service ---"; cat "$service" >>"$LOG"; log "  --- $timer ---"; cat "$timer" >>"$LOG"
  say "  wrote $service and $timer"
  if [ -n "${DTHOSTMON_SYSTEMD_DIR:-}" ]; then
    say "  DTHOSTMON_SYSTEMD_DIR is set: the units are only written, not enabled"
    finish 'done' "units only written to $UNIT_DIR"
  elif [ -d /run/systemd/system ]; then
    if ! run_cmd systemctl daemon-reload || ! run_cmd systemctl enable --now dthostmon.timer; then stop 1 'systemctl failed (above)'; fi
    finish 'done' 'dthostmon.timer enabled'
  else
    say '  systemd is not running here: the units are only written; enable them later with: systemctl enable --now dthostmon.timer'
    finish 'done' "units only written to $UNIT_DIR (systemd is not running)"
  fi
}

step_schedule() {
  if [ "$SYSTEMD" = 1 ]; then begin 7 'systemd service + timer'; step_schedule_systemd; else begin 7 'crontab line'; step_schedule_cron; fi
}

# --- 8. run ---
step_run() {
  begin 8 'one monitoring pass now (optional)'
  local default=n
  is_redo run && default=y
  ask "Run \`dthostmon run -c $CONFIG\` now?" $default || { finish skipped 'not run now'; return; }
  run_dthostmon run -c "$CONFIG"
  local rc=$?
  case $rc in
    0) finish 'done' 'pass complete' ;;
    1) finish failed 'pass complete, but some host failed (above)' ;;
    *) finish failed "the pass exited $rc (above)" ;;
  esac
}

say "dthostmon setup in $DIR (log: $LOG)"
[ "$YES" = 1 ] && say 'unattended (--yes): every question takes its default'
step_node
step_deps
step_build
step_config
step_key
step_db
step_schedule
step_run

CURRENT=0
say ''
say 'Summary:'
failed=0
for i in "${!STEPS[@]}"; do
  s=$((i + 1))
  say "$(printf '  %d %-9s %-8s %s' "$s" "${STEPS[i]}" "${STATUS[s]}" "${NOTE[s]}")"
  [ "${STATUS[s]}" = failed ] && failed=1
done
if [ $CHANGED = 0 ] && [ $failed = 0 ]; then say 'Every step was already done; nothing was changed.'; fi
say "log: $LOG"
exit $failed

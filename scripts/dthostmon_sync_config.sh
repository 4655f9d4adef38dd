#!/usr/bin/env bash
# dthostmon_sync_config.sh: the divtools wrapper of `dthostmon sync-config`. It accepts the flags of the original
# script and calls the CLI with the matching options (docs/sync-config.md has the mapping table). Exit codes are the
# CLI's: 0 done, 2 a problem in a folder file, the config or the flags (nothing written).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")

usage() {
  cat <<'EOF'
Usage: dthostmon_sync_config.sh [options]

Builds the sites and hosts of dthostmon.yaml from the divtools sites dir, or writes example files.

Options:
  -test, --test              dry run: print the change as a unified diff, validate it, write nothing
  -debug, --debug            list the files read and what each contributed
  -config FILE               config file (default: $DTHOSTMON_CONFIG, else <repo>/config/dthostmon.yaml)
  -sites-dir DIR             sites dir (default: $DOCKER_SITES_DIR, else $DIVTOOLS/docker/sites)
  -site S, --site S          only site S (scaffolds: the site; default SITE_NAME from ~/.env)
  -host H, --host H          only host folders named H (scaffolds: the host; default this hostname)
  -prune, --prune            remove hosts whose host folder is gone (in a site folder that exists)
  -yaml-ex FILE, -yex FILE   write an example dthm YAML to FILE ("-" = stdout; a site example for -site
                             without -host, or when FILE's name contains "site")
  -env-ex FILE, -eex FILE    write an example env file to FILE ("-" = stdout), site or host likewise
  -yaml-exh                  create <sites>/<site>/<host>/dthm-<host>.yaml
  -env-exh                   create, or add the missing example variables to, <sites>/<site>/<host>/.env.<host>
  -all, --all                with -yaml-exh / -env-exh: every host folder (of -site, else of every site)
  -f, --force, -y, --yes     overwrite an existing YAML / append to an existing env file without asking
  -h, --help                 this help

DTHM variables (read by sync from the env files of the sites dir):
  <site>/.env.<site>         DTHM_SITE_<KEY>  -> sites.<site>.<key>
                             DTHM_HOST_<KEY>  -> default of <key> for every host of the site
  <site>/<host>/.env.<host>  DTHM_HOST_<KEY>  -> the host's <key> (wins over dthm-<host>.yaml)
  <KEY> is any site or host key in upper case; nested keys are joined by __
  (DTHM_HOST_THRESHOLDS__DISK_PERCENT=95, DTHM_HOST_MONITORING__CHECK_DOCKER=true). Lists are comma-separated,
  booleans true/false (yes/no, 1/0, on/off). ${VAR} is expanded when sync runs; ${{VAR}} is written as ${VAR}
  and resolved when dthostmon runs.
EOF
}

config="${DTHOSTMON_CONFIG:-$repo_dir/config/dthostmon.yaml}"
args=()

need_value() {
  if [ "$2" -lt 2 ]; then
    echo "Option $1 needs a value" >&2
    exit 2
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    -test | --test) args+=(--dry-run) ;;
    -debug | --debug) args+=(--debug) ;;
    -config | --config) need_value "$1" $#; config="$2"; shift ;;
    -sites-dir | --sites-dir) need_value "$1" $#; args+=(--sites-dir "$2"); shift ;;
    -site | --site) need_value "$1" $#; args+=(--site "$2"); shift ;;
    -host | --host) need_value "$1" $#; args+=(--host "$2"); shift ;;
    -prune | --prune) args+=(--prune) ;;
    -yaml-ex | -yex) need_value "$1" $#; args+=(--example-yaml "$2"); shift ;;
    -env-ex | -eex) need_value "$1" $#; args+=(--example-env "$2"); shift ;;
    -yaml-exh) args+=(--scaffold-yaml) ;;
    -env-exh) args+=(--scaffold-env) ;;
    -all | --all) args+=(--all) ;;
    -f | --force | -y | --yes) args+=(--force) ;;
    -h | --help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

if command -v dthostmon >/dev/null 2>&1; then
  exec dthostmon sync-config -c "$config" ${args[@]+"${args[@]}"}
fi
exec node "$repo_dir/bin/dthostmon.js" sync-config -c "$config" ${args[@]+"${args[@]}"}

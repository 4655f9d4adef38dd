#!/usr/bin/env bash
# test/testmenu.sh: pick tests from a menu and run them (docs/setup-sh.md, "Test menu"). The menu is built from the
# test tree each time (every *.test.ts under test/, grouped by folder), so a new test appears without editing this.
set -uo pipefail

usage() {
  cat <<'EOF'
usage: test/testmenu.sh [--internal | --external [CONTAINER]] [--list] [--select NAME...] [--print] [-h]

Shows the test tree as a checklist (whiptail; dialog when whiptail is missing; a numbered menu
when neither is installed): every folder under test/ that holds tests is a section, with its
tests indented below it. Tick sections and tests with Space, then Enter: a ticked section runs
all of its tests (its sub-sections too). The selection runs with the project's jest command:
  node --experimental-vm-modules node_modules/jest/bin/jest.js --runTestsByPath <files>

  --internal            run here (default)
  --external [NAME]     run inside the container NAME through `docker exec` (default
                        $DTHOSTMON_CONTAINER, else dthostmon), in its working directory
                        ($DTHOSTMON_CONTAINER_WORKDIR when set, else the image's WORKDIR)
  --list                print the tree (sections as you --select them) and exit
  --select NAME...      skip the menu: sections (unit/config) and tests (unit/config/load.test.ts);
                        a leading test/ and a trailing / are accepted
  --print               print the command instead of running it
  -h, --help            this help

TESTMENU_UI=whiptail|dialog|plain picks the menu. Exit codes: jest's (0 all passed, 1 failed),
1 when the menu is cancelled or nothing is selected, 2 usage error.
EOF
}

die_usage() {
  printf 'testmenu.sh: %s (see test/testmenu.sh --help)\n' "$1" >&2
  exit 2
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P) || exit 1
MODE=internal
CONTAINER=${DTHOSTMON_CONTAINER:-dthostmon}
LIST=0
PRINT=0
SELECT=()
while [ $# -gt 0 ]; do
  case $1 in
    --internal) MODE=internal ;;
    --external)
      MODE=external
      if [ $# -ge 2 ] && [[ $2 != -* ]]; then CONTAINER=$2; shift; fi ;;
    --list) LIST=1 ;;
    --print) PRINT=1 ;;
    --select)
      if [ $# -lt 2 ] || [[ $2 == -* ]]; then die_usage '--select needs a section or a test'; fi
      while [ $# -ge 2 ] && [[ $2 != -* ]]; do SELECT+=("$2"); shift; done ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown option '$1'" ;;
  esac
  shift
done
cd "$ROOT" || exit 1

# --- the tree: ENTRIES holds sections ("unit/config/") and tests ("unit/config/load.test.ts"), parents first ---
mapfile -t FILES < <(find test -name '*.test.ts' -type f | sed 's|^test/||' | LC_ALL=C sort)
[ ${#FILES[@]} -gt 0 ] || { echo 'testmenu.sh: no *.test.ts under test/' >&2; exit 1; }
# Every folder above a test is a section. Sorted by a key that puts a folder's tests ("0" + name) before its
# sub-folders ("1" + name + "/"), the list is the tree, depth first: a section, its tests, then its sub-sections.
mapfile -t ENTRIES < <(
  for file in "${FILES[@]}"; do
    printf '%s\n' "$file"
    dir=${file%/*}
    while [ "$dir" != "$file" ] && [ -n "$dir" ]; do
      printf '%s/\n' "$dir"
      [[ $dir == */* ]] || break
      dir=${dir%/*}
    done
  done | LC_ALL=C sort -u |
    awk '{ n = split($0, part, "/"); key = ""
           for (i = 1; i <= n; i++) key = key (i < n ? "1" part[i] "/" : (part[i] == "" ? "" : "0" part[i]))
           print key "\t" $0 }' | LC_ALL=C sort | cut -f 2
)

is_section() { [[ $1 == */ ]]; }
# count_tests SECTION: the tests under it, sub-sections included.
count_tests() {
  local n=0 file
  for file in "${FILES[@]}"; do [[ $file == "$1"* ]] && n=$((n + 1)); done
  printf '%s' "$n"
}
# label ENTRY: what the menu and --list show, indented by depth. A section shows its full path (what --select takes).
label() {
  local entry=$1 slashes=${1//[^\/]/} n
  if is_section "$entry"; then
    n=$(count_tests "$entry")
    printf '%*s%s (%s test%s)' $(((${#slashes} - 1) * 2)) '' "$entry" "$n" "$([ "$n" = 1 ] || echo s)"
  else
    printf '%*s%s' $((${#slashes} * 2)) '' "${entry##*/}"
  fi
}

if [ "$LIST" = 1 ]; then
  for entry in "${ENTRIES[@]}"; do label "$entry"; printf '\n'; done
  exit 0
fi

# --- the selection: entries chosen -> test files, in path order, each once ---
CHOSEN=()
# expand ENTRY...: sets CHOSEN to the tests the entries stand for.
expand() {
  local file entry
  CHOSEN=()
  for file in "${FILES[@]}"; do
    for entry in "$@"; do
      if [ "$file" = "$entry" ] || { is_section "$entry" && [[ $file == "$entry"* ]]; }; then CHOSEN+=("$file"); break; fi
    done
  done
}

# normalize NAME: the entry NAME means (test/ prefix and trailing / optional), or fails.
normalize() {
  local name=${1#./}
  name=${name#test/}
  name=${name%/}
  local entry
  for entry in "${ENTRIES[@]}"; do
    if [ "$entry" = "$name" ] || [ "$entry" = "$name/" ]; then printf '%s' "$entry"; return 0; fi
  done
  return 1
}

menu_whiptail() { # TOOL: whiptail or dialog; prints the indexes chosen, one a line
  local tool=$1 rows cols args=() i=0 entry
  read -r rows cols < <(stty size 2>/dev/null || echo '24 80')
  [ "${rows:-0}" -ge 16 ] || rows=16
  [ "${cols:-0}" -ge 60 ] || cols=60
  for entry in "${ENTRIES[@]}"; do
    i=$((i + 1))
    args+=("$i" "$(label "$entry")" off)
  done
  "$tool" --title 'dthostmon tests' --separate-output \
    --checklist 'Space ticks a section or a test, Enter runs them (a section runs all its tests), Esc cancels.' \
    $((rows - 2)) $((cols - 4)) $((rows - 10)) "${args[@]}" 3>&1 1>&2 2>&3
}

menu_plain() {
  local i=0 entry answer n
  for entry in "${ENTRIES[@]}"; do i=$((i + 1)); printf '%4d  %s\n' "$i" "$(label "$entry")" >&2; done
  while :; do
    printf 'Numbers to run (space-separated; a section runs all its tests; Enter quits): ' >&2
    IFS= read -r answer || return 1
    [ -n "$answer" ] || return 1
    local ok=1
    for n in $answer; do
      if ! [[ $n =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt ${#ENTRIES[@]} ]; then
        printf 'not a number from the list: %s\n' "$n" >&2
        ok=0
        break
      fi
    done
    # shellcheck disable=SC2086 # one number a line
    [ $ok = 1 ] && { printf '%s\n' $answer; return 0; }
  done
}

if [ ${#SELECT[@]} -gt 0 ]; then
  picked=()
  for name in "${SELECT[@]}"; do
    entry=$(normalize "$name") || die_usage "no section or test '$name' under test/ (--list shows them)"
    picked+=("$entry")
  done
  expand "${picked[@]}"
else
  ui=${TESTMENU_UI:-}
  if [ -z "$ui" ]; then
    if command -v whiptail >/dev/null; then ui=whiptail; elif command -v dialog >/dev/null; then ui=dialog; else ui=plain; fi
  fi
  case $ui in
    whiptail | dialog) indexes=$(menu_whiptail "$ui") || { echo 'testmenu.sh: cancelled; nothing run' >&2; exit 1; } ;;
    plain) indexes=$(menu_plain) || { echo 'testmenu.sh: cancelled; nothing run' >&2; exit 1; } ;;
    *) die_usage "TESTMENU_UI must be whiptail, dialog or plain, not '$ui'" ;;
  esac
  picked=()
  for i in $indexes; do picked+=("${ENTRIES[i - 1]}"); done
  expand "${picked[@]}"
fi
[ ${#CHOSEN[@]} -gt 0 ] || { echo 'testmenu.sh: nothing selected; nothing run' >&2; exit 1; }

# --- the command ---
JEST=(node --experimental-vm-modules node_modules/jest/bin/jest.js --runTestsByPath)
for file in "${CHOSEN[@]}"; do JEST+=("test/$file"); done
if [ "$MODE" = external ]; then
  # -t only with a terminal: docker refuses it otherwise ("the input device is not a TTY").
  tty=-i
  [ -t 0 ] && tty=-it
  CMD=(docker exec "$tty" ${DTHOSTMON_CONTAINER_WORKDIR:+-w "$DTHOSTMON_CONTAINER_WORKDIR"} "$CONTAINER" "${JEST[@]}")
else
  CMD=("${JEST[@]}")
fi

# The command as one line a shell would run the same.
command_line() { printf '%q ' "${CMD[@]}" | sed 's/ $//'; }
if [ "$PRINT" = 1 ]; then
  printf '%s\n' "$(command_line)"
  exit 0
fi
printf 'testmenu.sh: %d test file(s) %s:\n  %s\n' "${#CHOSEN[@]}" "$([ "$MODE" = external ] && echo "in container $CONTAINER" || echo here)" \
  "$(command_line)" >&2
exec "${CMD[@]}"

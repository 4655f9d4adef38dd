#!/usr/bin/env bash
# Installs the Debian packages the tests and the fleet benchmark need when they are missing (as root, with apt-get);
# otherwise says which ones to install. Used by scripts/test.sh (`npm test`) and `npm run bench:fleet`.
# usage: bash scripts/install-peers.sh <who is asking>
set -euo pipefail
who=${1:-install-peers}

# OpenCode server (npm opencode-ai, pinned) for the tests of the opencode LLM provider: ~354 MB, so it goes to a
# cache outside the project's node_modules. Postinstall may not run (--ignore-scripts): the tests call the platform
# binary node_modules/opencode-linux-x64/bin/opencode directly. A failed install only warns: those tests say why.
opencode_dir=${DTHOSTMON_PEERS_DIR:-$HOME/.cache/dthostmon-peers}/opencode
if [ ! -x "$opencode_dir/node_modules/opencode-linux-x64/bin/opencode" ] && command -v npm >/dev/null; then
  echo "$who: installing opencode-ai@1.18.33 into $opencode_dir (npm)" >&2
  mkdir -p "$opencode_dir"
  npm install --prefix "$opencode_dir" --no-save --no-audit --no-fund --loglevel=error opencode-ai@1.18.33 >/dev/null \
    || echo "$who: installing opencode-ai failed; the OpenCode server tests will say so" >&2
fi

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v busybox >/dev/null || missing+=(busybox)
command -v sudo >/dev/null || missing+=(sudo)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /lib/systemd/systemd-journal-remote ] || missing+=(systemd-journal-remote)
[ -x /usr/bin/time ] || missing+=(time)
command -v logwatch >/dev/null || [ -x /usr/sbin/logwatch ] || missing+=(logwatch)
# The HTML report is opened in headless Chromium at 600 px (overflow check, screenshots); charts need a font.
command -v chromium >/dev/null || missing+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# setup.sh and test/testmenu.sh are driven in tmux (send-keys, capture-pane); the menu is a whiptail checklist.
command -v tmux >/dev/null || missing+=(tmux)
command -v whiptail >/dev/null || missing+=(whiptail)
command -v crontab >/dev/null || missing+=(cron)   # setup.sh's schedule step writes a real crontab
[ -x /usr/bin/tini ] || missing+=(tini)   # the container image's init: its entrypoint is run under it
# Metrics sources (issue #8): real Prometheus + node_exporter (promtool backfills history), InfluxDB 1.x, Glances 3
# in web-server mode (python3-bottle is only a Recommends of glances, and -w needs it).
command -v prometheus >/dev/null || missing+=(prometheus)
command -v prometheus-node-exporter >/dev/null || missing+=(prometheus-node-exporter)
command -v influxd >/dev/null || missing+=(influxdb)
command -v glances >/dev/null || missing+=(glances)
/usr/bin/python3 -c 'import bottle' 2>/dev/null || missing+=(python3-bottle)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "$who: installing ${missing[*]} (Debian packages)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "$who: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
fi

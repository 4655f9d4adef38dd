#!/usr/bin/env bash
# Installs the Debian packages the tests and the fleet benchmark need when they are missing (as root, with apt-get);
# otherwise says which ones to install. Used by scripts/test.sh (`npm test`) and `npm run bench:fleet`.
# usage: bash scripts/install-peers.sh <who is asking>
set -euo pipefail
who=${1:-install-peers}

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
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "$who: installing ${missing[*]} (Debian packages)" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "$who: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
fi

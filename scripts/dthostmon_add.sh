#!/bin/sh
# dthostmon_add.sh: register this machine with a dthostmon monitor (run it on the machine to monitor, as root).
#
#   1. fetches the monitor's public SSH key (GET /api/v1/ssh-key),
#   2. installs it in ~<ssh-user>/.ssh/authorized_keys (0700/0600, owned by the user, never twice), creating the user
#      first with --create-user,
#   3. registers the host (POST /api/v1/hosts/register), which adds it to the monitor's dthostmon.yaml.
#
# Exit status: 0 registered now or already registered, 1 an error (the monitor refused, could not be reached, the key
# could not be installed), 2 a usage error. Rerunning it is safe: the key is not added twice, and a registered host
# answers "already registered".
#
# POSIX sh and curl only (dash, busybox ash). Values are printed with printf, never echo (dash's echo rewrites "\\").
# The token is never put on curl's command line (ps shows that): it goes through a header file only the caller reads.

set -eu

PROG=dthostmon_add.sh

usage() {
  cat <<'EOF'
Usage: dthostmon_add.sh [options]

Register this host with a dthostmon monitor and install the monitor's SSH key for the monitoring user.

Options (each overrides the environment variable named after it):
  --api-host HOST        monitor host name or address          (DTHOSTMON_API_HOST, default: monitor)
  --api-port PORT        monitor API port                      (DTHOSTMON_API_PORT, default: 8080)
  --api-protocol P       http or https                         (DTHOSTMON_API_PROTOCOL, default: http)
  --token TOKEN          registration token (prefer the variable: a flag shows in ps)
                                                               (DTHOSTMON_REGISTRATION_TOKEN)
  --token-file FILE      read the registration token from FILE
  --site SITE            site id of this host (a site in the monitor's config)   (DTHOSTMON_SITE)
  --tags a,b             tags of this host                     (DTHOSTMON_TAGS)
  --ssh-user USER        user the monitor logs in as           (DTHOSTMON_SSH_USER, default: monitoring)
  --name NAME            host id in the monitor                (default: hostname -s)
  --address ADDR         address the monitor connects to       (default: first address of hostname -I)
  --port PORT            SSH port the monitor connects to      (default: 22, not sent)
  --create-user          create the SSH user when it does not exist (without it, a missing user is an error)
  --cacert FILE          CA certificate(s) to verify the monitor's HTTPS certificate
  --dry-run              print what would be done; change nothing and contact nothing
  -h, --help             this help

Exit status: 0 registered (or already registered), 1 error, 2 usage error.
EOF
}

die() {
  printf '%s: error: %s\n' "$PROG" "$1" >&2
  exit 1
}

usage_error() {
  printf '%s: %s (see --help)\n' "$PROG" "$1" >&2
  exit 2
}

# json_string VALUE: VALUE as a JSON string literal: backslash, double quote and every control character escaped
# (the original concatenated raw values into its JSON). Works on bytes (LC_ALL=C), so UTF-8 passes through unchanged.
json_string() {
  printf '%s' "$1" | LC_ALL=C awk '
    BEGIN {
      for (i = 1; i < 32; i++) esc[sprintf("%c", i)] = sprintf("\\u%04x", i)
      esc["\t"] = "\\t"; esc["\r"] = "\\r"; esc["\b"] = "\\b"; esc["\f"] = "\\f"
      esc["\\"] = "\\\\"; esc["\""] = "\\\""
      out = ""
    }
    {
      if (NR > 1) out = out "\\n"
      n = length($0)
      for (i = 1; i <= n; i++) {
        c = substr($0, i, 1)
        out = out ((c in esc) ? esc[c] : c)
      }
    }
    END { printf "\"%s\"", out }'
}

# trim VALUE: without leading and trailing blanks.
trim() {
  printf '%s' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

# json_field NAME FILE: the text of the first "NAME":"..." in a JSON file (enough for the monitor's flat answers).
json_field() {
  sed -n -E "s/.*\"$1\":\"(([^\"\\\\]|\\\\.)*)\".*/\\1/p" "$2" | head -n 1 | sed -e 's/\\"/"/g' -e 's/\\\\/\\/g'
}

# ---- defaults from the environment, then flags (flags win; the original had it the other way round) ----
API_HOST=${DTHOSTMON_API_HOST:-monitor}
API_PORT=${DTHOSTMON_API_PORT:-8080}
API_PROTOCOL=${DTHOSTMON_API_PROTOCOL:-http}
TOKEN=${DTHOSTMON_REGISTRATION_TOKEN:-}
SITE=${DTHOSTMON_SITE:-}
TAGS=${DTHOSTMON_TAGS:-}
SSH_USER=${DTHOSTMON_SSH_USER:-monitoring}
NAME=
ADDRESS=
PORT=
CREATE_USER=0
CACERT=
DRY_RUN=0

need_value() {
  [ "$2" -ge 2 ] || usage_error "$1 needs a value"
}

while [ "$#" -gt 0 ]; do
  case $1 in
    --api-host) need_value "$1" "$#"; API_HOST=$2; shift 2 ;;
    --api-port) need_value "$1" "$#"; API_PORT=$2; shift 2 ;;
    --api-protocol) need_value "$1" "$#"; API_PROTOCOL=$2; shift 2 ;;
    --token) need_value "$1" "$#"; TOKEN=$2; shift 2 ;;
    --token-file)
      need_value "$1" "$#"
      [ -r "$2" ] || usage_error "cannot read the token file $2"
      TOKEN=$(head -n 1 "$2" | tr -d '\r'); shift 2 ;;
    --site) need_value "$1" "$#"; SITE=$2; shift 2 ;;
    --tags) need_value "$1" "$#"; TAGS=$2; shift 2 ;;
    --ssh-user) need_value "$1" "$#"; SSH_USER=$2; shift 2 ;;
    --name) need_value "$1" "$#"; NAME=$2; shift 2 ;;
    --address) need_value "$1" "$#"; ADDRESS=$2; shift 2 ;;
    --port) need_value "$1" "$#"; PORT=$2; shift 2 ;;
    --create-user) CREATE_USER=1; shift ;;
    --cacert) need_value "$1" "$#"; CACERT=$2; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    --insecure|-k) usage_error "--insecure is not offered: it would send the token to anyone in the middle; pass the monitor's CA with --cacert FILE" ;;
    -h|--help) usage; exit 0 ;;
    *) usage_error "unknown option $1" ;;
  esac
done

# ---- checks ----
case $API_PROTOCOL in http|https) ;; *) usage_error "--api-protocol must be http or https, not $API_PROTOCOL" ;; esac
case $API_PORT in ''|*[!0-9]*) usage_error "--api-port must be a number, not $API_PORT" ;; esac
case $PORT in *[!0-9]*) usage_error "--port must be a number, not $PORT" ;; esac
case $SSH_USER in ''|-*|*[!A-Za-z0-9._-]*) usage_error "--ssh-user must be a user name (letters, digits, . _ -), not $SSH_USER" ;; esac
[ -n "$TOKEN" ] || usage_error "no registration token: set DTHOSTMON_REGISTRATION_TOKEN or pass --token-file FILE"
if [ -n "$CACERT" ] && [ ! -r "$CACERT" ]; then usage_error "cannot read the CA file $CACERT"; fi
command -v curl >/dev/null 2>&1 || die "curl is not installed"

if [ -z "$NAME" ]; then NAME=$(hostname -s 2>/dev/null || hostname); fi
if [ -z "$ADDRESS" ]; then
  ADDRESS=$(hostname -I 2>/dev/null | awk '{ print $1 }') || ADDRESS=
  [ -n "$ADDRESS" ] || usage_error "cannot find this host's address (hostname -I): pass --address"
fi

case $API_HOST in *:*) case $API_HOST in \[*) ;; *) API_HOST="[$API_HOST]" ;; esac ;; esac
BASE_URL="$API_PROTOCOL://$API_HOST:$API_PORT"

# ---- the JSON body ----
TAGS_JSON=
if [ -n "$TAGS" ]; then
  old_ifs=$IFS
  IFS=,
  set -f
  for tag in $TAGS; do
    tag=$(trim "$tag")
    [ -n "$tag" ] || continue
    TAGS_JSON="${TAGS_JSON:+$TAGS_JSON,}$(json_string "$tag")"
  done
  set +f
  IFS=$old_ifs
fi
BODY="{\"name\":$(json_string "$NAME"),\"hostname\":$(json_string "$ADDRESS"),\"user\":$(json_string "$SSH_USER")"
if [ -n "$PORT" ]; then BODY="$BODY,\"port\":$PORT"; fi
if [ -n "$SITE" ]; then BODY="$BODY,\"site\":$(json_string "$SITE")"; fi
if [ -n "$TAGS_JSON" ]; then BODY="$BODY,\"tags\":[$TAGS_JSON]"; fi
BODY="$BODY}"

user_exists() {
  id -u "$SSH_USER" >/dev/null 2>&1
}

if [ "$DRY_RUN" -eq 1 ]; then
  printf '%s\n' "dry run: nothing is changed and the monitor is not contacted"
  printf '%s\n' "monitor: $BASE_URL"
  if user_exists; then
    printf '%s\n' "would use the existing user $SSH_USER"
  elif [ "$CREATE_USER" -eq 1 ]; then
    printf '%s\n' "would create the user $SSH_USER"
  else
    die "user $SSH_USER does not exist: create it or pass --create-user"
  fi
  printf '%s\n' "would install the monitor's key from $BASE_URL/api/v1/ssh-key in ~$SSH_USER/.ssh/authorized_keys"
  printf '%s\n' "would POST $BASE_URL/api/v1/hosts/register with: $BODY"
  exit 0
fi

# ---- the work ----
umask 077
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dthostmon_add.XXXXXX") || die "cannot create a temp directory"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' HUP INT TERM
printf 'Authorization: Bearer %s\n' "$TOKEN" >"$TMP/headers"

# api METHOD PATH [BODY_FILE]: sets STATUS (HTTP status) and leaves the answer in $TMP/answer.
api() {
  set -- "$1" "$2" "${3:-}"
  if [ -n "$3" ]; then
    set -- "$@" -H 'Content-Type: application/json' --data-binary "@$3"
  fi
  method=$1 path=$2
  shift 3
  if [ -n "$CACERT" ]; then set -- "$@" --cacert "$CACERT"; fi
  if ! STATUS=$(curl --silent --show-error --max-time 30 --proto '=http,https' -X "$method" -H "@$TMP/headers" \
      -o "$TMP/answer" -w '%{http_code}' "$@" "$BASE_URL$path" 2>"$TMP/curl-error"); then
    die "cannot reach the monitor at $BASE_URL: $(head -n 1 "$TMP/curl-error")"
  fi
}

# The server's one-line message from an error body {"error": {"code", "message"}}.
server_message() {
  message=$(json_field message "$TMP/answer")
  [ -n "$message" ] || message=$(head -c 200 "$TMP/answer" | tr -d '\r\n')
  printf '%s' "$message"
}

# 1. the monitor's key
if [ -n "$SITE" ]; then
  api GET "/api/v1/ssh-key?site=$(printf '%s' "$SITE" | sed 's/[^A-Za-z0-9._-]/_/g')"
else
  api GET /api/v1/ssh-key
fi
[ "$STATUS" = 200 ] || die "cannot get the monitor's SSH key: HTTP $STATUS: $(server_message)"
KEY=$(json_field public_key "$TMP/answer")
# Only a plain key line: "type base64 [comment]", never options such as command="..." in front of it.
printf '%s\n' "$KEY" | grep -Eq '^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+=*( [^"]*)?$' \
  || die "the monitor's answer is not an SSH public key"
KEY_BLOB=$(printf '%s\n' "$KEY" | awk '{ print $2 }')
FINGERPRINT=$(json_field fingerprint "$TMP/answer")

# 2. the user and its authorized_keys
if ! user_exists; then
  [ "$CREATE_USER" -eq 1 ] || die "user $SSH_USER does not exist: create it or pass --create-user"
  [ "$(id -u)" -eq 0 ] || die "creating the user $SSH_USER needs root"
  if command -v useradd >/dev/null 2>&1; then
    # '*': no password, but not locked ('!'), which sshd without PAM refuses even for a key login.
    useradd -m -s /bin/sh -p '*' "$SSH_USER" || die "useradd $SSH_USER failed"
  elif command -v adduser >/dev/null 2>&1; then
    adduser -D -s /bin/sh "$SSH_USER" || die "adduser $SSH_USER failed"
    passwd -u "$SSH_USER" >/dev/null 2>&1 || true
  else
    die "neither useradd nor adduser found: create the user $SSH_USER yourself"
  fi
  printf '%s\n' "created the user $SSH_USER"
fi
if [ "$(id -u)" -ne 0 ] && [ "$(id -un)" != "$SSH_USER" ]; then
  die "installing the key for $SSH_USER needs root (or run this as $SSH_USER)"
fi
HOME_DIR=$(getent passwd "$SSH_USER" 2>/dev/null | cut -d: -f6) || HOME_DIR=
[ -n "$HOME_DIR" ] && [ -d "$HOME_DIR" ] || die "user $SSH_USER has no home directory"
GROUP=$(id -gn "$SSH_USER")
SSH_DIR="$HOME_DIR/.ssh"
AUTH="$SSH_DIR/authorized_keys"
# Root writing into a user's home must not follow a link the user planted (to /etc/shadow, say).
if [ -L "$SSH_DIR" ] || [ -L "$AUTH" ]; then die "$SSH_DIR or $AUTH is a symbolic link: refusing to write through it"; fi
mkdir -p "$SSH_DIR"
chmod 700 "$SSH_DIR"
[ -e "$AUTH" ] || : >"$AUTH"
chmod 600 "$AUTH"
if awk -v blob="$KEY_BLOB" '{ for (i = 1; i <= NF; i++) if ($i == blob) found = 1 } END { exit !found }' "$AUTH"; then
  printf '%s\n' "the monitor's key ($FINGERPRINT) is already in $AUTH"
else
  # A last line without its newline would be joined with the key.
  if [ -s "$AUTH" ] && [ "$(tail -c 1 "$AUTH" | wc -l)" -eq 0 ]; then printf '\n' >>"$AUTH"; fi
  printf '%s\n' "$KEY" >>"$AUTH"
  printf '%s\n' "installed the monitor's key ($FINGERPRINT) in $AUTH"
fi
chown "$SSH_USER:$GROUP" "$SSH_DIR" "$AUTH"

# 3. the registration
printf '%s' "$BODY" >"$TMP/body"
api POST /api/v1/hosts/register "$TMP/body"
case $STATUS in
  201) printf '%s\n' "created: $NAME ($ADDRESS) is registered with the monitor${SITE:+ in site $SITE}" ;;
  200) printf '%s\n' "already registered: $NAME is in the monitor's config: $(server_message)" ;;
  *) die "registration failed: HTTP $STATUS: $(server_message)" ;;
esac

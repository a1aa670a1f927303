#!/usr/bin/env bash
# Runs CMD... inside a private D-Bus session with a fresh, unlocked gnome-keyring (a real Secret Service), so the
# keychain tests run for real on headless Linux (CI, containers):
#
#   test/keyring/with-keyring.sh node --experimental-vm-modules node_modules/jest/bin/jest.js src/secrets
#
# Needs dbus-run-session and gnome-keyring-daemon (Debian/Ubuntu: apt-get install -y dbus gnome-keyring).
# The keyring lives in a temp dir that is removed at exit: the user's own keyrings are never read or changed.
#
# Why it is done this way (found by trying, gnome-keyring 42):
#  - the bus config has no service directories, so nothing is D-Bus-activated behind our back: a racing
#    `gnome-keyring-daemon --start` activated by the first client would own the name with a locked keyring;
#  - the login keyring is created (and made the default collection) only when --unlock reads a NON-empty password
#    from stdin; with an empty stdin there is no default collection and every store fails with
#    "Secret Service: no result found".
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

if [ -z "${WITH_KEYRING_DIR:-}" ]; then
  for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "with-keyring: $tool not found (apt-get install -y dbus gnome-keyring)" >&2
      exit 127
    fi
  done
  dir=$(mktemp -d "${TMPDIR:-/tmp}/dd-logstore-keyring.XXXXXX")
  trap 'rm -rf "$dir"' EXIT
  mkdir -m 700 "$dir/data" "$dir/run"
  cat >"$dir/session.conf" <<'CONF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  set +e
  # dbus-daemon running as root warns that it cannot raise its fd limit: harmless, filtered out.
  WITH_KEYRING_DIR="$dir" dbus-run-session --config-file="$dir/session.conf" -- bash "$0" "$@" \
    2> >(grep -v --line-buffered 'Failed to set fd limit' >&2)
  rc=$?
  set -e
  exit "$rc"
fi

# Inside the private session.
dir=$WITH_KEYRING_DIR
unset WITH_KEYRING_DIR
printf '%s' 'dd-logstore-test' |
  XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run" \
    gnome-keyring-daemon --foreground --unlock --components=secrets >"$dir/daemon.log" 2>&1 &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true' EXIT

ready=
for _ in $(seq 1 100); do
  alias=$(dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.ReadAlias string:default 2>/dev/null | tail -n 1 || true)
  case "$alias" in
  *'/collection/'*)
    ready=1
    break
    ;;
  esac
  if ! kill -0 "$daemon" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "with-keyring: gnome-keyring did not provide an unlocked default collection within 10s" >&2
  cat "$dir/daemon.log" >&2
  exit 1
fi

set +e
"$@"
rc=$?
set -e
# A keychain test that failed because the daemon went away says why only here: its log goes with the temp dir.
if [ "$rc" -ne 0 ] && ! kill -0 "$daemon" 2>/dev/null; then
  echo "with-keyring: gnome-keyring-daemon exited during the run; its log:" >&2
  cat "$dir/daemon.log" >&2
fi
exit "$rc"

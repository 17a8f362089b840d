#!/bin/sh
# Runs pytest. Where gnome-keyring and dbus-run-session exist, the run happens inside a private
# D-Bus session with an unlocked throwaway keyring, so the one real-keyring integration test runs too;
# every other test uses the in-memory keyring that tests/conftest.py installs.
set -eu
PY="$1"
shift
export QT_QPA_PLATFORM=offscreen
if command -v dbus-run-session >/dev/null 2>&1 && command -v gnome-keyring-daemon >/dev/null 2>&1; then
  keyring_home=$(mktemp -d)
  trap 'rm -rf "$keyring_home"' EXIT
  export CPQ_KEYRING_TEST_HOME="$keyring_home"
  exec dbus-run-session -- sh -c '
    HOME="$CPQ_KEYRING_TEST_HOME" XDG_DATA_HOME="$CPQ_KEYRING_TEST_HOME/share" \
      sh -c "printf %s throwaway-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1"
    export CPQ_REAL_KEYRING=1
    exec "$0" -m pytest "$@"' "$PY" "$@"
fi
exec "$PY" -m pytest "$@"

#!/bin/sh
# Checks the Debian/Ubuntu packages the app needs and installs the missing ones when it can (as root,
# or with password-less sudo); otherwise prints the apt-get line to run and fails.
#   required: the libraries the PySide6 wheels load, and python3-venv when 'python3 -m venv' cannot work
#   optional: a font, and gnome-keyring + dbus-run-session for the one real-keyring integration test
#             (that test is skipped without them, so they never block 'make run' or 'make test')
set -eu
PYTHON="${PYTHON:-python3}"
required="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libfontconfig1 libdbus-1-3 libglib2.0-0"
optional="fonts-dejavu-core dbus-bin gnome-keyring"

command -v dpkg >/dev/null 2>&1 || exit 0   # not a Debian-family system: nothing we can check

missing_of() {
  out=""
  for p in $1; do
    dpkg -s "$p" >/dev/null 2>&1 || out="$out $p"
  done
  echo "$out"
}

missing_required=$(missing_of "$required")
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
  missing_required="$missing_required python3-venv"
fi
missing_optional=$(missing_of "$optional")
wanted=$(echo "$missing_required $missing_optional" | xargs)
[ -z "$wanted" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  runner=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  runner="sudo"
else
  if [ -n "$(echo "$missing_required" | xargs)" ]; then
    echo "Missing system packages needed to run the app:$missing_required"
    echo "Install them with: sudo apt-get install$missing_required$missing_optional"
    exit 1
  fi
  echo "Note: optional packages are missing:$missing_optional (the real-keyring test will be skipped)."
  echo "Install them with: sudo apt-get install$missing_optional"
  exit 0
fi

echo "Installing system packages: $wanted"
$runner env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
# debconf chatter goes to stderr even when all is well; keep it out of sight unless the install fails.
if ! log=$($runner env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $wanted 2>&1); then
  echo "$log" >&2
  exit 1
fi

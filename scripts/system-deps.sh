#!/bin/sh
# Installs the Debian/Ubuntu libraries that the PySide6 wheels need (and, for the keyring
# integration test, gnome-keyring), when they are missing. Without root, says what to install.
set -eu
pkgs="libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core dbus-bin gnome-keyring"
command -v dpkg >/dev/null 2>&1 || exit 0   # not a Debian-family system: nothing we can check
missing=""
for p in $pkgs; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system libraries:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "Installing system libraries:$missing"
  sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
  echo "Missing system libraries:$missing"
  echo "Install them with: sudo apt-get install$missing"
  exit 1
fi

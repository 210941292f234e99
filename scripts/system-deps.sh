#!/usr/bin/env bash
# Installs the Debian packages the demo and the test suite need, when any is missing.
# The one list of system packages: `npm run demo` (scripts/demo.ts) and `npm test` (scripts/test.mjs, for
# the integration and e2e tiers) run it first on every start; it costs nothing once they are installed.
# CI (.ci/run) has no step of its own for it, so it checks that the README's commands install them.
#   chromium              the browser the e2e tests drive (playwright-core never downloads its own)
#   libkrb5-dev           code-server's `kerberos` module builds from source offline
#   gnome-keyring dbus dbus-x11 libsecret-1-0   a real Secret Service for the OS secret store tier
#   redis-server redis-tools           team mode (single node and cluster)
set -euo pipefail
packages=(chromium libkrb5-dev gnome-keyring dbus dbus-x11 libsecret-1-0 redis-server redis-tools)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null

#!/usr/bin/env bash
# Fetches gitleaks for `npm run bench:scan` from Debian trixie (Debian 12 has no package) into
# .cache/gitleaks, without installing it or touching the system's apt sources: a private apt state
# directory holds the trixie package lists, and the .deb is only unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.cache/apt-trixie
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/parts" .cache/gitleaks
cat > "$state/parts/trixie.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$PWD/$state/parts"
  -o "Dir::State::Lists=$PWD/$state/lists" -o "Dir::Cache=$PWD/$state/cache")
apt-get "${opts[@]}" update -qq
(cd .cache/gitleaks && apt-get "${opts[@]}" download gitleaks 2>/dev/null && dpkg -x gitleaks_*.deb . && rm -f gitleaks_*.deb)
.cache/gitleaks/usr/bin/gitleaks version

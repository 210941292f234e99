// One entry for every tier: `node scripts/test.mjs unit|integration|faults|e2e|all [files…]`.
// The tiers run in one `node --test` process so the run ends with one summary line. `faults` holds
// the hostile cases (#16 item 7): real keyring, token server, Redis, processes and signals, each a
// fault injected where a user would meet it; `all` (npm test, CI) runs every tier once.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const tiers = ['unit', 'integration', 'faults', 'e2e'];
const wanted = process.argv[2] ?? 'all';
const selected = wanted === 'all' ? tiers : [wanted];
if (!selected.every((tier) => tiers.includes(tier))) {
  console.error(`usage: node scripts/test.mjs ${[...tiers, 'all'].join('|')}`);
  process.exit(2);
}

// Any further arguments name test files to run instead of the whole tier (e.g. while debugging one).
const only = process.argv.slice(3);
const files =
  only.length > 0
    ? only
    : selected.flatMap((tier) =>
        readdirSync(join('test', tier))
          .filter((name) => name.endsWith('.test.ts'))
          .sort()
          .map((name) => join('test', tier, name)),
      );

// `npm test` installs what it needs on first use, before any test starts (so no install counts against
// a test's timeout): the Debian packages (Redis, gnome-keyring, Chromium, …; installed when run as root,
// otherwise the script prints the apt-get line) for the integration and e2e tiers, and code-server with
// its own Node 24 into .cache/ for the e2e tier. The unit tier needs neither.
if (selected.some((tier) => tier !== 'unit')) run('bash', ['scripts/system-deps.sh']);
if (selected.includes('e2e')) run('bash', ['scripts/install-code-server.sh']);

// Integration and e2e tests drive the built bundles, exactly what users run.
if (selected.some((tier) => tier !== 'unit')) run(process.execPath, ['esbuild.mjs']);

// The unit tier alone runs its files in parallel, one per CPU: they share no ports, services or
// folders. Any run with another tier keeps to one file at a time, as those tiers need.
const concurrency = wanted === 'unit' ? availableParallelism() : 1;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);

function run(command, args) {
  const r = spawnSync(command, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

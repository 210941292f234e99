// `npm run demo`: a real VS Code (code-server) in the browser with the extension installed, against
// a local demo token server (oidc-provider: JWT access tokens of a few minutes, rotating refresh
// tokens) and a private OS secret store. Prints the address to open; Ctrl-C stops everything.
//   --port N     code-server's port (default 8080)
//   --smoke      start everything, check the agent holds a fresh token, then stop (used by a test)
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { agentPaths } from '../agent/daemon/paths';
import { refreshTokenEntry } from '../test/support/agentCli';
import { runAgentCli } from '../test/support/agentProcess';
import { ensureCodeServer, packageExtension, startCodeServer } from '../test/support/codeServer';
import { startSecretService } from '../test/support/secretService';
import { startTokenServer } from '../test/support/tokenServer';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8080' }, smoke: { type: 'boolean' } },
});
const port = Number(values.port);
const root = resolve(__dirname, '..');
const demoDir = join(root, '.cache', 'demo');
const step = (message: string) => console.log(`• ${message}`);

async function main(): Promise<void> {
  if (spawnSync('bash', [join(root, 'scripts', 'system-deps.sh')], { stdio: 'inherit' }).status !== 0)
    process.exit(1);
  ensureCodeServer();
  step('packaging the extension…');
  const vsix = packageExtension();

  rmSync(demoDir, { recursive: true, force: true });
  const workspace = join(demoDir, 'workspace');
  mkdirSync(join(workspace, 'src'), { recursive: true });

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  process.once('SIGINT', () => void stopAll().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stopAll().then(() => process.exit(0)));

  try {
    // Longer than Copy Fresh Token's default minimum (300 s), so it works with the defaults.
    // On 127.0.0.2: code-server sends localhost and 127.0.0.1 addresses through its own proxy, where the
    // provider's sign-in pages fail; this one it opens as it is, so both sign-in flows work in the demo.
    const tokenServer = await startTokenServer({ accessTokenTtlSeconds: 600, host: '127.0.0.2' });
    stops.push(() => tokenServer.close());
    step(
      `demo token server at ${tokenServer.issuer} (access tokens live 10 minutes, longer than Copy Fresh Token asks by default; refresh tokens rotate)`,
    );
    const secrets = await startSecretService();
    stops.push(() => secrets.stop());
    step('private Secret Service (gnome-keyring) started for the demo');

    const configPath = join(demoDir, 'config.json');
    writeFileSync(
      configPath,
      JSON.stringify(
        {
          store: 'keychain',
          tokens: [
            refreshTokenEntry(tokenServer, { name: 'demo', refreshBeforeSeconds: 60 }),
            {
              name: 'service',
              type: 'oauth2-client-credentials',
              tokenEndpoint: tokenServer.tokenEndpoint,
              clientId: tokenServer.clientId,
              scope: tokenServer.scope,
              resource: tokenServer.resource,
              refreshBeforeSeconds: 60,
            },
          ],
        },
        null,
        2,
      ),
    );
    const env = { ...secrets.env, TOKEN_AGENT_CONFIG: configPath, XDG_DATA_HOME: join(demoDir, 'data') };
    const seed = async (name: string, kind: string, value: string) => {
      const result = await runAgentCli(['secret', 'set', name, kind], { env, input: value });
      if (result.code !== 0) throw new Error(`seeding ${name}: ${result.stderr}`);
    };
    await seed(
      'demo',
      'refresh_token',
      await tokenServer.mintRefreshToken({ clientId: tokenServer.publicClientId }),
    );
    await seed('service', 'client_secret', tokenServer.clientSecret);
    step('secrets stored in the keyring with `token-agent secret set` (never in a file)');

    // The terminal gets the very environment the editor has (keyring, config, data folder), so
    // `token-agent` there talks to the same agent; the demo removes that agent's socket when it
    // stops, and the agent then exits by itself.
    const envFile = writeEnvFile(env);
    const terminal = `source ${envFile} && token-agent status && token-agent get demo | cut -c1-12`;
    const socket = agentPaths({ platform: process.platform, env }).socketPath;
    stops.push(async () => rmSync(socket, { force: true }));

    writeSampleWorkspace(workspace);
    const codeServer = await startCodeServer({ vsix, env, port, profileDir: join(demoDir, 'vscode') });
    stops.push(() => codeServer.stop());
    const url = `${codeServer.url}/?folder=${encodeURIComponent(workspace)}`;

    if (values.smoke) {
      const status = await runAgentCli(['get', 'demo', '--min-valid', '60'], { env });
      if (status.code !== 0) throw new Error(`the demo token is not available: ${status.stderr}`);
      // The terminal line printed below, run as a user would paste it: in bash, with none of the
      // demo's variables in its own environment.
      const pasted = spawnSync('bash', ['-c', terminal], { cwd: root, encoding: 'utf8' });
      if (pasted.status !== 0 || !/^eyJ/m.test(pasted.stdout))
        throw new Error(`the demo's terminal line failed (exit ${pasted.status}): ${pasted.stderr}`);
      console.log('terminal line works: token-agent status and get against the demo');
      console.log(`demo ready at ${url}`);
      await stopAll();
      return;
    }
    console.log(`\nOpen ${url}\n`);
    console.log('Try: the status bar item, the warning in src/client.ts, and in a terminal:');
    console.log(`  ${terminal}`);
    console.log('Ctrl-C stops the demo.');
    await new Promise(() => undefined);
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * `source`-able: a `token-agent` function that runs this checkout's CLI in the demo's environment
 * (its keyring, config and data folder) without changing the shell's own (HOME among them).
 */
function writeEnvFile(env: Record<string, string>): string {
  const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${quote(value)}`);
  const cli = quote(join(root, 'dist', 'agent.js'));
  const path = join(demoDir, 'env.sh');
  const text = `# Written by npm run demo; valid while it runs.\ntoken-agent() { env ${assignments.join(' ')} node ${cli} "$@"; }\n`;
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

function writeSampleWorkspace(workspace: string): void {
  // A hard-coded token, built here so that none is ever committed: the leak lint flags it.
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const pasted = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'demo-user', exp: 1_700_000_000 })}.${Buffer.from('demo-signature-not-real').toString('base64url')}`;
  writeFileSync(
    join(workspace, 'src', 'client.ts'),
    `// Someone pasted a token here to "just try something". Token Agent flags it.\nexport const apiToken = '${pasted}';\n\nexport async function callApi(url: string) {\n  return fetch(url, { headers: { Authorization: \`Bearer \${apiToken}\` } });\n}\n`,
  );
  writeFileSync(
    join(workspace, 'README.md'),
    '# Token Agent demo workspace\n\n- The status bar shows the token agent and its tokens.\n- `src/client.ts` has a hard-coded token: see the Problems panel.\n',
  );
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});

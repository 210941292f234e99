// `npm run demo`: a real VS Code (code-server) in the browser with the extension installed, against
// a local demo token server (oidc-provider: JWT access tokens of a few minutes, rotating refresh
// tokens) and a private OS secret store. Prints the address to open; Ctrl-C stops everything.
//   --port N     code-server's port (default 8080)
//   --smoke      start everything, check the agent holds a fresh token, then stop (used by a test)
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
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
    const tokenServer = await startTokenServer({ accessTokenTtlSeconds: 180 });
    stops.push(() => tokenServer.close());
    step(`demo token server at ${tokenServer.issuer} (access tokens live 3 minutes, refresh tokens rotate)`);
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

    writeSampleWorkspace(workspace);
    const codeServer = await startCodeServer({ vsix, env, port, profileDir: join(demoDir, 'vscode') });
    stops.push(() => codeServer.stop());
    const url = `${codeServer.url}/?folder=${encodeURIComponent(workspace)}`;

    if (values.smoke) {
      const status = await runAgentCli(['get', 'demo', '--min-valid', '60'], { env });
      if (status.code !== 0) throw new Error(`the demo token is not available: ${status.stderr}`);
      console.log(`demo ready at ${url}`);
      await stopAll();
      return;
    }
    console.log(`\nOpen ${url}\n`);
    console.log('Try: the status bar item, the warning in src/client.ts, and in a terminal:');
    console.log(`  TOKEN_AGENT_CONFIG=${configPath} node dist/agent.js status`);
    console.log('Ctrl-C stops the demo.');
    await new Promise(() => undefined);
  } catch (error) {
    await stopAll();
    throw error;
  }
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

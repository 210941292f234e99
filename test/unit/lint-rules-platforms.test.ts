// The platforms group's rules beyond what the labelled corpus checks: the Firebase key's info
// severity end to end (scan exit code, SARIF level; the GitHub/npm checksum is in
// lint-checksum.test.ts), and the structural rules' guards (Docker `auths`, Kubernetes
// `kind: Secret`, the SAS signed version).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ruleInfo } from '../../agent/lint/rules';
import { scanText } from '../../agent/lint/scanner';
import { crcToken } from '../support/corpus/platformsTokens';
import { scanInMemory } from '../support/scanInMemory';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const r = rng(13);
const now = Date.parse('2026-01-01T00:00:00Z');
const found = (text: string) => scanText(text, { now }).map((f) => f.rule);
const b64 = (text: string) => Buffer.from(text).toString('base64');
const googleKey = () => `AIzaSy${randomString(r, 33, alphabets.b64url)}`;
const firebaseConfig = (key: string) =>
  `const firebaseConfig = {\n  apiKey: "${key}",\n  authDomain: "demo-app.firebaseapp.com",\n  projectId: "demo-app",\n};\ninitializeApp(firebaseConfig);\n`;

describe('Firebase web config keys', () => {
  it('reports a key in a Firebase config as firebase-web-api-key, with severity info', () => {
    assert.deepEqual(found(firebaseConfig(googleKey())), ['firebase-web-api-key']);
    assert.equal(ruleInfo('firebase-web-api-key')?.severity, 'info');
  });

  it('still reports a Google API key outside a Firebase config as google-api-key', () => {
    assert.deepEqual(found(`const mapsKey = "${googleKey()}";\n`), ['google-api-key']);
  });

  describe('scan CLI', () => {
    let dir = '';
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'token-agent-firebase-'));
      writeFileSync(join(dir, 'firebase.ts'), firebaseConfig(googleKey()));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const scan = (argv: string[]) => scanInMemory(dir, argv);

    it('lists an info finding but exits 0 when it is the only one', async () => {
      const { code, out } = await scan([]);
      assert.equal(code, 0);
      assert.match(out, /firebase-web-api-key/);
    });

    it('writes the finding as a SARIF note', async () => {
      const { code, out } = await scan(['--format', 'sarif']);
      assert.equal(code, 0);
      const results = JSON.parse(out).runs[0].results;
      assert.deepEqual(
        results.map((result: { ruleId: string; level: string }) => [result.ruleId, result.level]),
        [['firebase-web-api-key', 'note']],
      );
    });
  });
});

describe('platform rules in context', () => {
  it('takes a 52-character base32 value for an Azure DevOps PAT only under an Azure DevOps name', () => {
    const pat = randomString(r, 52, 'abcdefghijklmnopqrstuvwxyz234567');
    assert.deepEqual(found(`AZURE_DEVOPS_TOKEN=${pat}\n`), ['azure-devops-pat-legacy']);
    assert.deepEqual(found(`BUILD_TOKEN=${pat}\n`), ['generic-secret']);
  });

  it('reads a Docker auth entry only inside auths, and only when it decodes to user:password', () => {
    const auth = b64(`ci:${randomString(r, 24, alphabets.alnum)}`);
    assert.deepEqual(found(`{"auths": {"ghcr.io": {"auth": "${auth}"}}}`), ['docker-config-auth']);
    assert.deepEqual(found(`{"auth": "${auth}"}`), []);
    assert.deepEqual(
      found(`{"auths": {"ghcr.io": {"auth": "${b64(randomString(r, 24, alphabets.alnum))}"}}}`),
      [],
    );
  });

  it('reports a Kubernetes Secret value, but not a SecretStore, a template or key material of a public cert', () => {
    const manifest = (kind: string, block: string, key: string, value: string) =>
      `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: app\n${block}:\n  ${key}: ${value}\n`;
    const secret = b64(randomString(r, 24, alphabets.password));
    assert.deepEqual(found(manifest('Secret', 'data', 'api-key', secret)), ['kubernetes-secret']);
    assert.deepEqual(found(manifest('SecretStore', 'data', 'settings', secret)), []);
    assert.deepEqual(found(manifest('Secret', 'stringData', 'settings', '{{ .Values.apiKey }}')), []);
    assert.deepEqual(
      found(manifest('Secret', 'data', 'ca.crt', b64(randomString(r, 64, alphabets.b64)))),
      [],
    );
    const binary = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 97 + 13) % 256)).toString('base64');
    assert.deepEqual(found(manifest('Secret', 'data', 'tls.key', binary)), ['kubernetes-secret']);
  });

  it('needs the signed version before a SAS signature', () => {
    const sig = `${randomString(r, 43, alphabets.alnum)}%3D`;
    assert.deepEqual(found(`u = "https://a.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=${sig}"`), [
      'azure-sas-token',
    ]);
    assert.deepEqual(found(`u = "https://cdn.internal/c?v=2&sig=${sig}"`), []);
  });

  it('keeps the classic ghs_ token in github-token and reports the stateless one on its own', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: '12345' })).toString('base64url');
    const stateless = `ghs_12345_${header}.${payload}.${randomString(r, 342, alphabets.b64url)}`;
    assert.deepEqual(found(`t = "${stateless}"`), ['github-app-installation-token']);
    assert.deepEqual(found(`t = "${crcToken(r, 'ghs_')}"`), ['github-token']);
  });
});

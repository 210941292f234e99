// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the literal text under test here.
// The rules against a labelled corpus generated at test time (test/support/secretCorpus.ts): true
// positives for every rule and look-alike decoys. Precision and recall are asserted per rule.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { allRules, ruleInfos } from '../../agent/lint/rules';
import { scanText } from '../../agent/lint/scanner';
import { fakeJwt } from '../support/fakeTokens';
import {
  alphabets,
  buildCorpus,
  makeJwt,
  positives,
  randomString,
  rng,
  score,
} from '../support/secretCorpus';

const now = Date.parse('2025-06-01T00:00:00Z');

describe('leak-lint rules on the labelled corpus', () => {
  const documents = buildCorpus({ seed: 20250601, positivesPerRule: 100, decoysPerRule: 60 });
  const findings = new Map(documents.map((d) => [d, scanText(d.text, { path: d.path, now })]));
  const scores = score(documents, (d) => findings.get(d) ?? []);

  it('covers at least 30 providers, and every rule has planted positives', () => {
    const providers = new Set(allRules.map((rule) => rule.provider));
    assert.ok(providers.size >= 30, `${providers.size} providers`);
    for (const rule of ruleInfos) {
      // Not text formats: a token the agent holds, a keystore by its file name.
      if (rule.id === 'live-token' || rule.id === 'keystore-file') continue;
      assert.ok(positives[rule.id], `no positives generated for ${rule.id}`);
    }
  });

  it('finds at least 98% of the planted secrets of every rule', () => {
    const low = [...scores].filter(([, s]) => s.planted > 0 && s.recall < 0.98);
    assert.deepEqual(
      low.map(([rule, s]) => `${rule}: ${s.found}/${s.planted}`),
      [],
    );
  });

  it('is right at least 95% of the time for every rule, and overall', () => {
    const low = [...scores].filter(([, s]) => s.reported >= 5 && s.precision < 0.95);
    assert.deepEqual(
      low.map(([rule, s]) => `${rule}: ${s.correct}/${s.reported}`),
      [],
    );
    const total = [...scores.values()].reduce(
      (sum, s) => ({ correct: sum.correct + s.correct, reported: sum.reported + s.reported }),
      { correct: 0, reported: 0 },
    );
    assert.ok(total.correct / total.reported >= 0.95, `overall ${total.correct}/${total.reported}`);
  });

  it('never reports more than a short prefix of a value', () => {
    for (const [document, list] of findings) {
      for (const finding of list) {
        const value = document.text.slice(finding.start, finding.end);
        const customMask = ['private-key', 'url-credentials', 'slack-webhook', 'discord-webhook'];
        if (!customMask.includes(finding.rule))
          assert.ok(finding.masked.replace(/…$/, '').length <= 8, finding.masked);
        assert.ok(!finding.masked.includes(value), `${finding.rule} mask holds the value`);
        assert.ok(!finding.message.includes(value), `${finding.rule} message holds the value`);
      }
    }
  });
});

describe('rule details', () => {
  const r = rng(7);
  const only = (text: string) => scanText(text, { now }).map((f) => f.rule);

  it('reports Stripe secret and restricted keys, not publishable ones', () => {
    const body = randomString(r, 24, alphabets.alnum);
    assert.deepEqual(only(`a = "sk_live_${body}"`), ['stripe-secret-key']);
    assert.deepEqual(only(`a = "rk_live_${body}"`), ['stripe-secret-key']);
    assert.deepEqual(only(`a = "pk_live_${body}"`), []);
  });

  it("skips AWS's documented example keys", () => {
    assert.deepEqual(only('key = AKIAIOSFODNN7EXAMPLE'), []);
    assert.deepEqual(only(`aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY${'EXAMPLEKEY'}`), []);
  });

  it("skips a provider's documented example token (matched by digest)", () => {
    assert.deepEqual(only(`token = "ghp_${'16C7e42F292c6912E7710c838347Ae178B4a'}"`), []);
  });

  it('decodes JWTs: says whether one has expired, and ignores look-alikes without an alg', () => {
    const expired = scanText(`t = "${fakeJwt({ sub: 'a', exp: now / 1000 - 3 * 86_400 })}"`, { now });
    assert.equal(expired[0]?.rule, 'jwt');
    assert.match(expired[0]?.message ?? '', /expired 3 days ago/);
    assert.equal(expired[0]?.jwt?.expired, true);
    const valid = scanText(`t = "${fakeJwt({ sub: 'a', iss: 'https://idp', exp: now / 1000 + 7200 })}"`, {
      now,
    });
    assert.match(valid[0]?.message ?? '', /not expired, valid for 2 h more/);
    assert.deepEqual(valid[0]?.jwt?.iss, 'https://idp');
    const noExpiry = scanText(fakeJwt({ sub: 'a' }), { now });
    assert.match(noExpiry[0]?.message ?? '', /no expiry/);
    assert.deepEqual(only(`x = "${fakeJwt({ sub: 'a' }, { typ: 'JWT' })}"`), []);
    assert.deepEqual(
      only(`x = "${makeJwt(r, { sub: '1234567890', name: 'John Doe', iat: 1516239022 }, { alg: 'HS256' })}"`),
      [],
    );
  });

  it('requires real key material after a PEM header', () => {
    const body = `MII${randomString(r, 200, alphabets.b64)}`;
    assert.deepEqual(only(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`), [
      'private-key',
    ]);
    assert.deepEqual(only('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg...\n-----END PRIVATE KEY-----'), []);
    assert.deepEqual(only(`-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----`), []);
  });

  it('reports passwords in URLs, except placeholders, references and example hosts', () => {
    const password = randomString(r, 14, alphabets.alnum);
    assert.deepEqual(only(`DATABASE_URL=postgres://app:${password}@db.internal:5432/app`), [
      'url-credentials',
    ]);
    assert.deepEqual(only('url = "https://deploy:${DEPLOY_PASSWORD}@registry.internal/"'), []);
    assert.deepEqual(only(`url = "https://app:${password}@api.example.com/"`), []);
    assert.deepEqual(only('url = "postgres://postgres:postgres@localhost/db"'), []);
  });

  it('reports a provider token used as a URL password under its own rule', () => {
    const token = `glpat-${randomString(r, 20, alphabets.alnum)}`;
    assert.deepEqual(only(`remote = "https://oauth2:${token}@gitlab.internal/group/repo.git"`), [
      'gitlab-token',
    ]);
  });

  it('classifies context secrets by name and shape', () => {
    const aws = randomString(r, 40, alphabets.b64);
    assert.deepEqual(only(`aws_secret_access_key = ${aws}`), ['aws-secret-access-key']);
    const twilio = randomString(r, 32, alphabets.hex);
    assert.deepEqual(only(`client = Client("AC${randomString(r, 32, alphabets.hex)}", "${twilio}")`), [
      'twilio-auth-token',
    ]);
    assert.deepEqual(only(`password: "${randomString(r, 20, alphabets.password)}"`), ['generic-secret']);
    assert.deepEqual(only('password: "hunter2"'), []);
    assert.deepEqual(only('const password = process.env.DB_PASSWORD;'), []);
    assert.deepEqual(only('secret_name = "payments-api-secret"'), []);
  });
});

/** Quantifiers that can run unbounded: `*`, `+`, `{n,}` outside character classes. */
function unboundedQuantifiers(source: string): string[] {
  const found: string[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '*' || c === '+') found.push(`${c} at ${i}`);
    else if (c === '{' && /^\{\d+,\}/.test(source.slice(i))) found.push(`{n,} at ${i}`);
  }
  return found;
}

/** A quantified group that itself contains a quantifier: the shape of catastrophic backtracking. */
function nestedQuantifiers(source: string): boolean {
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const hadQuantifier = stack.pop() ?? false;
      const next = source[i + 1];
      const quantified =
        next === '{' || next === '*' || next === '+' || (next === '?' && source[i - 1] !== '(');
      if (hadQuantifier && quantified && next !== '?') return true;
      if (hadQuantifier && stack.length > 0) stack[stack.length - 1] = true;
    } else if ((c === '{' || c === '*' || c === '+') && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}

describe('rule regexes are linear by construction', () => {
  // The rules keep their regexes in closures, so the sources are read from the modules' text.
  const sources = readdirSync('agent/lint/rules')
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => {
      const text = readFileSync(`agent/lint/rules/${name}`, 'utf8');
      return [...text.matchAll(/(?:pattern: |= )\/((?:\\.|\[(?:\\.|[^\]])*\]|[^/\n])+)\/y/g)].map((m) => ({
        file: name,
        source: m[1] as string,
      }));
    });

  it('finds the sticky rule regexes', () => {
    assert.ok(sources.length >= 50, `${sources.length} sticky regexes`);
  });

  it('uses only bounded quantifiers in rule regexes', () => {
    for (const { file, source } of sources) {
      assert.deepEqual(unboundedQuantifiers(source), [], `${file}: /${source}/`);
    }
  });

  it('never quantifies a group that contains a quantifier', () => {
    for (const { file, source } of sources) {
      assert.equal(nestedQuantifiers(source), false, `${file}: /${source}/`);
    }
  });
});

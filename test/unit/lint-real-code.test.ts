// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the literal text under test here.
// False alarms measured on real open-source code (docs/real-code-eval.md), each written again in its
// shape with fake values, next to the true findings those shapes must not hide.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPasswordReference } from '../../agent/lint/rules/url';
import { isCodePath, isPasswordHash, isWordsIdentifier } from '../../agent/lint/rules/valueShapes';
import { scanText } from '../../agent/lint/scanner';
import { alphabets, randomString, rng } from '../support/secretCorpus';

const r = rng(1313);
const secret = () => randomString(r, 24, alphabets.alnum);
const rules = (text: string, path?: string) =>
  scanText(text, path === undefined ? {} : { path }).map((f) => f.rule);

describe('the generic rule reads literals, not code', () => {
  it('skips calls, static and member access, and variable references in source code', () => {
    const lines = [
      'response = client.create_secret(Name=DEFAULT_SECRET_NAME, SecretString=payload)',
      '$token = new Token(Token::TYPE_DELIMITER, $value);',
      '$this->credentials = $credentials ?? null;',
      '$password = $mergedPasswordSalt;',
      'return $this->passwordEncoder->encodePassword($plainPassword, $salt);',
      'private const PASSWORD = self::DEFAULT_PASSWORD_VALUE;',
      'if token == primary_result_key:',
      'export type MqttPassword = Buffer|Uint8Array|Blob|string;',
      'setCredentials(credentials: AwsCredentialIdentity | AwsCredentialProvider): void;',
    ];
    for (const line of lines) {
      for (const path of ['app.py', 'src/Auth.php', 'lib/client.ts']) {
        assert.deepEqual(rules(line, path), [], `${path}: ${line}`);
      }
    }
  });

  it('skips TypeScript declarations whose type names a string', () => {
    assert.deepEqual(
      rules('  apiKey: SensitiveString2048;\n  DeviceToken: NonEmptySensitiveString1600;', 'a.d.ts'),
      [],
    );
  });

  it('skips class names and other word identifiers, quoted or not', () => {
    assert.deepEqual(rules('token_class = "UsernamePasswordAuthenticationToken"', 'auth.py'), []);
    assert.deepEqual(
      rules("field_order = ['old_password', 'new_password1', 'new_password2']", 'forms.py'),
      [],
    );
    assert.deepEqual(rules('return command(_ep0, "GetRandomPassword", GetRandomPassword$);', 'cmd.js'), []);
    assert.deepEqual(rules('auth.token=UsernamePasswordAuthenticationToken', 'app.properties'), []);
  });

  it('skips password hashes', () => {
    const bcryptBody = randomString(r, 53, `${alphabets.alnum}./`);
    const hashes = [
      `{bcrypt}$2a$10$${bcryptBody}`,
      `$2b$12$${bcryptBody}`,
      `pbkdf2_sha256$260000$${randomString(r, 22, alphabets.alnum)}$${randomString(r, 43, alphabets.b64)}=`,
      `$argon2id$v=19$m=65536,t=3,p=4$${randomString(r, 22, alphabets.b64)}$${randomString(r, 43, alphabets.b64)}`,
      `{SSHA}${randomString(r, 32, alphabets.b64)}`,
    ];
    for (const hash of hashes) {
      assert.equal(isPasswordHash(hash), true, hash.slice(0, 10));
      assert.deepEqual(rules(`password: "${hash}"`, 'users.yaml'), [], hash.slice(0, 10));
    }
    assert.equal(isPasswordHash(secret()), false);
  });

  it('skips anti-forgery, nonce, idempotency and pagination tokens', () => {
    const value = secret();
    for (const name of [
      'csrf_token',
      'csrfmiddlewaretoken',
      '_xsrfToken',
      'nonce_token',
      'IdempotencyToken',
    ]) {
      assert.deepEqual(rules(`${name} = "${value}"`, 'view.py'), [], name);
    }
    assert.deepEqual(rules('"output_token": "StreamDescription.Shards[-1].ShardId",', 'paginators.json'), []);
    assert.deepEqual(rules(`ClientRequestToken: "${value}"`, 'req.ts'), []);
  });

  it('skips message text in properties files, and values that name themselves', () => {
    assert.deepEqual(rules('password.mismatch=Passwords do not match, try again', 'messages.properties'), []);
    assert.deepEqual(rules('invalid.token=Token expired or invalid', 'messages_en.properties'), []);
    assert.deepEqual(rules(`"termToken": "term-token-${secret()}"`, 'examples.json'), []);
    assert.deepEqual(rules(`"clientSecret": "VERYLONGSECRET${secret()}"`, 'examples.json'), []);
  });

  it('skips truncated, bracketed and ARN values, and names inside a path or an ARN', () => {
    assert.deepEqual(rules(`"PurchaseToken": "${secret()}...",`, 'examples.json'), []);
    assert.deepEqual(rules('{"NEW_PASSWORD": "[new_password_value]"}', 'docs.d.ts'), []);
    assert.deepEqual(
      rules('"ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabase-a1b2c3",', 'x.json'),
      [],
    );
    assert.deepEqual(
      rules('"pattern":"arn:([a-z\\\\d-]+):.*:.*:secret:AmazonLookoutMetrics-.+"', 'x.json'),
      [],
    );
  });

  it('still reports literals: quoted values in code, bare values in config, strings and config lines in code', () => {
    const value = randomString(r, 20, alphabets.password);
    assert.deepEqual(rules(`db_password = "${value}"`, 'settings.py'), ['generic-secret']);
    assert.deepEqual(rules(`$this->password = '${value}';`, 'Db.php'), ['generic-secret']);
    assert.deepEqual(rules(`"NewPassword": "${value}",`, 'examples.json'), ['generic-secret']);
    assert.deepEqual(rules(`spring.datasource.password=${value}`, 'application.properties'), [
      'generic-secret',
    ]);
    assert.deepEqual(rules(`  api_key: ${value}`, 'config.yaml'), ['generic-secret']);
    assert.deepEqual(rules(`API_TOKEN=${value}`, 'deploy.py'), ['generic-secret']);
    assert.deepEqual(rules(`conn = "Server=db;User=app;Password=${secret()};"`, 'db.cs'), ['generic-secret']);
    assert.deepEqual(rules(`fetch("/api?token=${secret()}&x=1")`, 'client.js'), ['generic-secret']);
  });

  it('skips URNs, regex groups, and calls that look a secret up rather than set one', () => {
    assert.deepEqual(
      rules('  JWT_BEARER: "urn:ietf:params:oauth:grant-type:jwt-bearer",', 'Constants.ts'),
      [],
    );
    assert.deepEqual(
      rules('const re = /mysql:\\/\\/(?<password>[^@\\/\\s]{1,200})@(?<host>[^/]{1,9})/;', 're.js'),
      [],
    );
    assert.deepEqual(
      rules("const token = await credential.getToken('0f8e2c1d-scope/.default', {});", 'auth.js'),
      [],
    );
    assert.deepEqual(rules(`entry.setPassword('${secret()}')`, 'README.md'), ['generic-secret']);
    assert.deepEqual(
      rules('keys = ["AADServerParamKeys.CLIENT_SECRET","AADServerParamKeys.CLIENT_ASSERTION_TYPE"]', 'b.js'),
      [],
    );
  });

  it('skips format strings and private keys cut short before their END line', () => {
    assert.deepEqual(rules('if c_token != "relationship:%s" % (_WILDCARD_TOKEN,):', 'strategy.py'), []);
    const cut = `MIIEpQIBAAKCAQEA${randomString(r, 50, alphabets.b64)}.`;
    assert.deepEqual(
      rules(`/** e.g. \`-----BEGIN RSA PRIVATE KEY----- ${cut} -----END RSA PRIVATE KEY-----\` */`, 'c.d.ts'),
      [],
    );
    const lines = Array.from({ length: 6 }, () => randomString(r, 64, alphabets.b64)).join('\n');
    const key = `-----BEGIN RSA PRIVATE KEY-----\nMIIEpQIBAAKCAQEA${lines}\n-----END RSA PRIVATE KEY-----`;
    assert.deepEqual(rules(key, 'key.pem'), ['private-key']);
  });

  it('classifies paths as source code by extension', () => {
    assert.equal(isCodePath('src/a.ts'), true);
    assert.equal(isCodePath('lib/Auth.PHP'), true);
    assert.equal(isCodePath('config/app.yaml'), false);
    assert.equal(isCodePath('.env'), false);
    assert.equal(isCodePath('Makefile'), false);
  });

  it('tells identifiers from random strings', () => {
    for (const id of [
      'UsernamePasswordAuthenticationToken',
      'XmlStringMaxLen256',
      'new_password1',
      'XMLHttpRequest',
    ]) {
      assert.equal(isWordsIdentifier(id), true, id);
    }
    let hits = 0;
    for (let i = 0; i < 500; i++) if (isWordsIdentifier(randomString(r, 24, alphabets.alnum))) hits++;
    assert.ok(hits <= 5, `${hits} of 500 random strings taken for identifiers`);
  });
});

describe("a provider's own shape under its own name outweighs looking like a word-number name", () => {
  it('reports a Dropbox secret whose digits all come last, and a Snowflake password made of word-like parts', () => {
    // Random [a-z0-9]{15} ends in digits alone about one time in thirty: letters then `4` read as a
    // name like `password1` to the identifier test, which the generic rule keeps.
    const dropbox = `${randomString(r, 14, alphabets.lower)}4`;
    assert.equal(isWordsIdentifier(dropbox), true, 'the shape the identifier test takes for a name');
    assert.deepEqual(rules(`dropboxAppSecret = "${dropbox}"\n`, 'a.ts'), ['dropbox-app-secret']);
    const snowflake = `${randomString(r, 4, alphabets.upperDigits.slice(0, 26))}${randomString(r, 4, alphabets.lower)}6962-BhkQ3`;
    assert.deepEqual(rules(`snowflakePassword = "${snowflake}"\n`, 'a.go'), ['snowflake-password']);
    // Under a name no provider format takes, the same value is still a name.
    assert.deepEqual(rules(`appSecret = "${dropbox}"\n`, 'a.ts'), []);
  });

  it('still skips a dotted name under a provider name (a constant, not a secret)', () => {
    assert.deepEqual(
      rules('const aadClientSecret = "AADServerParamKeys.CLIENT_SECRET_VALUE";\n', 'a.ts'),
      [],
    );
  });
});

describe('url-credentials skips stand-ins for a password', () => {
  it('skips upper-case placeholder DSNs and variable references', () => {
    const lines = [
      'ALLMYSMS_DSN=allmysms://LOGIN:APIKEY@default?from=FROM',
      'MAILER_DSN=smtp://user:$SMTP_PASSWORD@smtp.internal:587',
      'url = "amqp://guest:${RABBIT_PASSWORD}@rabbit.internal//"',
      'DATABASE_URL = "postgres://app:%(password)s@db.internal/app"',
      'dsn: "redis://:{password}@cache.internal:6379/0"',
      'MESSENGER_TRANSPORT_DSN=amqp://USER:PASSWORD@broker.internal:5672/%2f',
      'Source: cvs://:pserver:anoncvs@sources.internal:/cvs/src',
      'new Redis("redis://:authpassword@127.0.0.1:6380/4");',
      'like dotenv://:key_1234@vault.internal/vault/.env.vault',
      'engine = create_engine("postgresql+psycopg2://scott:tiger@db.internal/test")',
      '# e.g. sqla+mysql://root:masterkey@db.internal/',
    ];
    for (const line of lines) assert.deepEqual(rules(line, 'config.env'), [], line);
    assert.equal(isPasswordReference('API_TOKEN'), true);
    assert.equal(isPasswordReference(secret()), false);
  });

  it('still reports a real-looking password', () => {
    assert.deepEqual(rules(`DATABASE_URL=postgres://app:${secret()}@db.internal:5432/app`, '.env'), [
      'url-credentials',
    ]);
  });
});

describe('tailscale-key', () => {
  const prefix = ['tskey', 'auth'].join('-');
  it('finds each key type with an id and a random secret', () => {
    for (const type of ['api', 'auth', 'client', 'scim', 'webhook']) {
      const key = `tskey-${type}-${randomString(r, 7, alphabets.alnum)}CNTRL-${randomString(r, 32, alphabets.alnum)}`;
      assert.deepEqual(rules(`TS_AUTHKEY=${key}`, '.env'), ['tailscale-key'], type);
    }
  });

  it('skips the documentation example, placeholders, unknown types and short secrets', () => {
    const counting = `0912345678${'90ABCDEF'}`;
    assert.deepEqual(rules(`key: ${prefix}-abcDEF1CNTRL-${counting}`, 'a.md'), []);
    assert.deepEqual(rules('curl -u "tskey-api-xxxxx:" https://api.tailscale.com/api/v2/', 'a.md'), []);
    const secret = randomString(r, 32, alphabets.alnum);
    assert.deepEqual(rules(`k = "tskey-bogus-${randomString(r, 8, alphabets.alnum)}-${secret}"`, 'a.py'), []);
    assert.deepEqual(
      rules(`k = "${prefix}-${randomString(r, 8, alphabets.alnum)}-${secret.slice(0, 10)}"`, 'a.py'),
      [],
    );
  });
});

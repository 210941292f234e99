// Ordinary source lines for the generated corpus: what surrounds secrets in real files, including
// the words secret rules key on (token, key, password, secret) used innocently.
import type { Rng } from './secretCorpus';

export type Language = 'ts' | 'py' | 'go' | 'yaml' | 'json' | 'sh' | 'env';
export const languages: readonly Language[] = ['ts', 'py', 'go', 'yaml', 'json', 'sh', 'env'];

const words = (
  'account access agent alpha apply array async await batch beta bucket buffer build cache callback ' +
  'channel client cluster config context count cursor data delta deploy domain entry error event ' +
  'export field filter format gamma handler header index input item job label layer limit list ' +
  'logger manager message method model module name node number object offset option order output ' +
  'owner page parser path payload policy port prefix process profile queue reader record ' +
  'region request resource response result retry role route schema scope server service ' +
  'session setting signal size source state status stream string table target task tenant timeout ' +
  'total type update user value version window worker writer'
).split(' ');

const sentences = [
  'refresh the token before it expires',
  'the secret store is locked until the user signs in',
  'never log the password or the api key',
  'rotate keys every ninety days',
  'see docs/rules.md for the list of token formats',
  'TODO: move the credentials into the secret store',
  'access tokens are short-lived; refresh tokens are not',
  'the key id is not a secret, the key is',
];

function word(r: Rng): string {
  return r.pick(words);
}

function camel(r: Rng): string {
  const a = word(r);
  const b = word(r);
  return `${a}${b[0]?.toUpperCase()}${b.slice(1)}`;
}

function num(r: Rng): number {
  return r.int(10_000);
}

type Template = (r: Rng) => string;

const common: Template[] = [
  (r) => `const ${camel(r)}Url = "https://${word(r)}.example.com/${word(r)}/${num(r)}";`,
  (r) => `const maxTokens = ${num(r)};`,
  (r) => `const tokenType = "Bearer"; // ${r.pick(sentences)}`,
  (r) => `if (!${camel(r)}) throw new Error("missing ${word(r)} token");`,
  (r) => `logger.info(\`refreshing token for \${${camel(r)}}\`);`,
  (r) => `const ${camel(r)} = await getToken("${word(r)}");`,
  (r) => `const apiKey = process.env.${word(r).toUpperCase()}_API_KEY;`,
  (r) => `const password = config.${camel(r)}.password;`,
  (r) => `return ${camel(r)}.${word(r)}(${num(r)}, "${word(r)}-${word(r)}");`,
  (r) => `export function ${camel(r)}(${word(r)}: string, ${word(r)}Key: string): boolean {`,
  () => '}',
  (r) => `  ${camel(r)}: ${r.pick(['true', 'false', 'null', `${num(r)}`])},`,
  (r) => `// ${r.pick(sentences)}`,
  (r) => `import { ${camel(r)} } from './${word(r)}/${camel(r)}';`,
  (r) => `const keyPrefix = "${word(r)}:${word(r)}:";`,
  (r) => `  "${word(r)}": "${word(r)}-${num(r)}",`,
  (r) => `for (const [key, value] of Object.entries(${camel(r)})) total += value.${word(r)};`,
  (r) => `SELECT ${word(r)}, ${word(r)} FROM ${word(r)}s WHERE id = ${num(r)};`,
  (r) => `<a href="https://${word(r)}.example.org/${word(r)}?page=${num(r)}">${r.pick(sentences)}</a>`,
  (r) => `  cache.set(\`\${${word(r)}}:\${${word(r)}}\`, ${camel(r)}, { ttl: ${num(r)} });`,
];

const byLanguage: Record<Language, Template[]> = {
  ts: common,
  py: [
    (r) => `def ${word(r)}_${word(r)}(self, ${word(r)}, token=None):`,
    (r) => `    return self.${word(r)}.get("${word(r)}", ${num(r)})`,
    (r) => `    password = os.environ["${word(r).toUpperCase()}_PASSWORD"]`,
    (r) => `# ${r.pick(sentences)}`,
    (r) => `from ${word(r)}.${word(r)} import ${camel(r)}`,
    (r) => `    secret_name = "${word(r)}-${word(r)}"`,
    (r) => `    ${word(r)}_token = request.headers.get("Authorization")`,
    ...common.slice(0, 4),
  ],
  go: [
    (r) => `func (s *${camel(r)}) ${camel(r)}(ctx context.Context, key string) error {`,
    (r) => `\ttoken := os.Getenv("${word(r).toUpperCase()}_TOKEN")`,
    (r) => `\tif err != nil { return fmt.Errorf("${word(r)}: %w", err) }`,
    (r) => `\t${word(r)} := make(map[string]int, ${num(r)})`,
    () => '}',
    (r) => `// ${r.pick(sentences)}`,
  ],
  yaml: [
    (r) => `${word(r)}:`,
    (r) => `  ${word(r)}: ${word(r)}-${num(r)}`,
    (r) => `  image: ghcr.io/${word(r)}/${word(r)}:${num(r)}`,
    (r) => `      password: \${{ secrets.${word(r).toUpperCase()}_PASSWORD }}`,
    (r) => `      token: \${${word(r).toUpperCase()}_TOKEN}`,
    (r) => `  secretName: ${word(r)}-tls`,
    (r) => `# ${r.pick(sentences)}`,
  ],
  json: [
    (r) => `  "${word(r)}": ${num(r)},`,
    (r) => `  "${camel(r)}": "${word(r)} ${word(r)}",`,
    (r) => `  "tokenEndpoint": "https://${word(r)}.example.com/oauth2/token",`,
    (r) => `  "${word(r)}": { "enabled": true, "key": "${word(r)}" },`,
  ],
  sh: [
    (r) => `export ${word(r).toUpperCase()}_TOKEN="$(token-agent get ${word(r)})"`,
    (r) => `curl -fsS -H "Authorization: Bearer $TOKEN" https://${word(r)}.example.com/${word(r)}`,
    (r) => `if [ -z "\${${word(r).toUpperCase()}_KEY:-}" ]; then echo "missing key" >&2; exit 2; fi`,
    (r) => `# ${r.pick(sentences)}`,
    (r) => `${word(r)} --${word(r)} ${num(r)} --output ${word(r)}.json`,
  ],
  env: [
    (r) => `${word(r).toUpperCase()}_URL=https://${word(r)}.example.com`,
    (r) => `${word(r).toUpperCase()}_TIMEOUT=${num(r)}`,
    (r) => `# ${r.pick(sentences)}`,
    (r) => `${word(r).toUpperCase()}_PASSWORD=`,
  ],
};

// Most lines of real code never mention a token, a key or a password: about one in ten does here,
// which matches the keyword density measured on real sources (~3 per KB).
const plain: Template[] = [
  (r) => `  const ${camel(r)} = ${camel(r)}.${word(r)}(${word(r)}, ${num(r)});`,
  (r) => `  if (${camel(r)} === undefined) return ${r.pick(['null', 'false', '[]', '{}'])};`,
  (r) => `  for (let i = 0; i < ${camel(r)}.length; i++) ${word(r)}[i] = ${camel(r)}(i);`,
  (r) => `export interface ${camel(r)} { ${word(r)}: string; ${word(r)}?: number }`,
  (r) => `  ${word(r)}.${word(r)}(\`${word(r)} \${${camel(r)}} ${word(r)}\`);`,
  (r) => `  return { ${word(r)}, ${word(r)}: ${camel(r)}.${word(r)} ?? ${num(r)} };`,
  () => '  }',
  () => '',
  (r) => `// ${word(r)} ${word(r)} ${word(r)} ${word(r)} ${word(r)}, ${word(r)} ${word(r)}.`,
  (r) => `    ${word(r)}: ${num(r)},`,
  (r) => `import ${camel(r)} from '${word(r)}-${word(r)}';`,
  (r) => `  await ${camel(r)}.${word(r)}({ ${word(r)}: '${word(r)}', ${word(r)}: ${num(r)} });`,
  (r) => `  throw new Error(\`${word(r)} ${word(r)}: \${${camel(r)}.${word(r)}}\`);`,
  (r) => `def ${word(r)}_${word(r)}(${word(r)}, ${word(r)}=${num(r)}):`,
  (r) => `    ${word(r)} = [${word(r)} for ${word(r)} in ${word(r)}s if ${word(r)}.${word(r)}]`,
  (r) => `	${word(r)} := ${camel(r)}(${word(r)}, ${num(r)})`,
];

export function fillerLine(r: Rng, language: Language): string {
  return r.next() < 0.9 ? r.pick(plain)(r) : r.pick(byLanguage[language])(r);
}

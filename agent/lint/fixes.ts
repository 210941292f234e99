// Pure helpers behind the leak-lint code actions: how each language reads an environment variable,
// what to call the variable, how to comment a suppression, and the text edit that swaps a literal
// for the reference.
import { ruleInfo } from './rules';

export interface EnvReference {
  text: string;
  /**
   * `code` replaces the whole string literal, quotes included (`process.env.X`); `interpolation`
   * goes inside the string and keeps its quotes (`"${X}"` in YAML or a shell script).
   */
  kind: 'code' | 'interpolation';
}

const jsLike = new Set([
  'javascript',
  'typescript',
  'javascriptreact',
  'typescriptreact',
  'vue',
  'svelte',
  'astro',
]);
const shellLike = new Set([
  'shellscript',
  'sh',
  'bash',
  'zsh',
  'dotenv',
  'env',
  'yaml',
  'dockerfile',
  'dockercompose',
  'properties',
  'ini',
  'makefile',
]);

/** How `languageId` reads the environment variable `name`, or undefined when it cannot. */
export function envReference(languageId: string, name: string, path?: string): EnvReference | undefined {
  if (
    languageId === 'github-actions-workflow' ||
    (languageId === 'yaml' && path && /\.github\/workflows\//.test(path))
  ) {
    return { text: `\${{ secrets.${name} }}`, kind: 'interpolation' };
  }
  if (jsLike.has(languageId)) return { text: `process.env.${name}`, kind: 'code' };
  if (languageId === 'makefile') return { text: `$(${name})`, kind: 'interpolation' };
  if (shellLike.has(languageId)) return { text: `\${${name}}`, kind: 'interpolation' };
  switch (languageId) {
    case 'python':
      return { text: `os.environ["${name}"]`, kind: 'code' };
    case 'go':
      return { text: `os.Getenv("${name}")`, kind: 'code' };
    case 'java':
    case 'kotlin':
    case 'scala':
    case 'groovy':
      return { text: `System.getenv("${name}")`, kind: 'code' };
    case 'csharp':
      return { text: `Environment.GetEnvironmentVariable("${name}")`, kind: 'code' };
    case 'ruby':
      return { text: `ENV["${name}"]`, kind: 'code' };
    case 'php':
      return { text: `getenv('${name}')`, kind: 'code' };
    case 'rust':
      return { text: `std::env::var("${name}").expect("${name} is not set")`, kind: 'code' };
    case 'swift':
      return { text: `ProcessInfo.processInfo.environment["${name}"]`, kind: 'code' };
    case 'dart':
      return { text: `Platform.environment['${name}']`, kind: 'code' };
    case 'elixir':
      return { text: `System.get_env("${name}")`, kind: 'code' };
    case 'lua':
      return { text: `os.getenv("${name}")`, kind: 'code' };
    case 'perl':
      return { text: `$ENV{${name}}`, kind: 'code' };
    case 'r':
      return { text: `Sys.getenv("${name}")`, kind: 'code' };
    case 'powershell':
      return { text: `$env:${name}`, kind: 'code' };
    case 'bat':
      return { text: `%${name}%`, kind: 'interpolation' };
    case 'terraform':
    case 'hcl':
      return { text: `var.${name.toLowerCase()}`, kind: 'code' };
    default:
      // JSON, TOML, XML and plain text cannot refer to the environment.
      return undefined;
  }
}

// Names that say nothing about which secret it is: the rule's own name is better.
const vagueNames = new Set([
  'TOKEN',
  'KEY',
  'SECRET',
  'VALUE',
  'PASSWORD',
  'API_KEY',
  'APIKEY',
  'AUTH',
  'DATA',
  'STR',
  'S',
  'T',
  'X',
  'V',
  'AUTHORIZATION',
  'HEADER',
  'CONFIG',
  'CFG',
  'ITEM',
]);

const assignedName =
  /([A-Za-z_$][\w$.-]{0,80})["'`\]]?\s{0,4}(?::=|=>|===?|:|=|,)\s{0,4}[bBrRfFuU@$]?["'`]?$/;

/**
 * An environment variable name for a finding: from the identifier it is assigned to when that says
 * something (`githubToken` → `GITHUB_TOKEN`, `spring.datasource.password` →
 * `SPRING_DATASOURCE_PASSWORD`), else the rule's usual one (`OPENAI_API_KEY`).
 */
export function suggestEnvName(rule: string, textBefore: string): string {
  const fallback = ruleInfo(rule)?.envName ?? 'SECRET';
  // Only the end of the line before the value matters; bounding it keeps the regex cheap.
  const tail = textBefore.slice(textBefore.lastIndexOf('\n') + 1).slice(-120);
  const match = assignedName.exec(tail);
  if (!match?.[1]) return fallback;
  const name = screamingSnake(
    match[1].replace(/^(?:this|self|process\.env|os\.environ|ENV|export|\$)\.?/, ''),
  );
  if (name === '' || vagueNames.has(name) || /^[0-9]/.test(name)) return fallback;
  return name;
}

export function screamingSnake(identifier: string): string {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

const hashComment = new Set([
  'python',
  'ruby',
  'perl',
  'r',
  'shellscript',
  'sh',
  'bash',
  'zsh',
  'yaml',
  'github-actions-workflow',
  'dockercompose',
  'dotenv',
  'env',
  'toml',
  'makefile',
  'dockerfile',
  'powershell',
  'elixir',
  'terraform',
  'hcl',
  'properties',
  'coffeescript',
  'julia',
  'nim',
]);
const dashComment = new Set(['sql', 'lua', 'haskell', 'elm', 'ada']);
const htmlComment = new Set(['html', 'xml', 'markdown', 'svg', 'xsl', 'vue-html']);

/** The end-of-line comment that suppresses a finding, or undefined for languages without comments (JSON). */
export function suppressionComment(languageId: string): string | undefined {
  const marker = 'token-agent:allow';
  if (hashComment.has(languageId)) return `# ${marker}`;
  if (dashComment.has(languageId)) return `-- ${marker}`;
  if (htmlComment.has(languageId)) return `<!-- ${marker} -->`;
  if (languageId === 'css' || languageId === 'scss' || languageId === 'less') return `/* ${marker} */`;
  if (languageId === 'ini') return `; ${marker}`;
  if (languageId === 'bat') return `REM ${marker}`;
  if (languageId === 'latex' || languageId === 'tex' || languageId === 'erlang') return `% ${marker}`;
  if (languageId === 'vb') return `' ${marker}`;
  if (languageId === 'json' || languageId === 'plaintext') return undefined;
  return `// ${marker}`;
}

export interface TextEdit {
  /** Offsets into the document, end exclusive. */
  start: number;
  end: number;
  newText: string;
}

/**
 * The edit that replaces the secret at [start, end) with a reference to the environment variable:
 * - the literal is exactly the secret: code replaces it quotes and all (`"sk-…"` → `process.env.X`);
 *   an interpolation keeps double quotes (`'sk-…'` → `"${X}"`, since single quotes do not expand);
 * - the secret is part of a longer JS/TS string (`"Bearer sk-…"`): it becomes a template literal;
 * - the secret is unquoted (`.env`, YAML, shell): it is replaced where it stands;
 * otherwise (a comment, a partial literal in another language) there is no safe edit: undefined.
 */
export function envReplacementEdit(
  text: string,
  start: number,
  end: number,
  languageId: string,
  name: string,
  path?: string,
): TextEdit | undefined {
  const reference = envReference(languageId, name, path);
  if (!reference) return undefined;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const newline = text.indexOf('\n', end);
  const lineEnd = newline === -1 ? text.length : newline;
  const before = text[start - 1];
  const after = text[end];
  const quoted = isQuote(before) && before === after;
  if (quoted) {
    if (reference.kind === 'code') return { start: start - 1, end: end + 1, newText: reference.text };
    return before === "'"
      ? { start: start - 1, end: end + 1, newText: `"${reference.text}"` }
      : { start, end, newText: reference.text };
  }
  const enclosing = enclosingQuote(text, lineStart, start, end, lineEnd);
  if (enclosing === undefined) {
    // Unquoted: fine where values are bare (`KEY=value`, `key: value`), not in code.
    return reference.kind === 'interpolation' ? { start, end, newText: reference.text } : undefined;
  }
  if (reference.kind === 'interpolation') {
    if (enclosing.quote === "'") return undefined;
    return { start, end, newText: reference.text };
  }
  if (!jsLike.has(languageId)) return undefined;
  const inner = text.slice(enclosing.open + 1, enclosing.close);
  if (enclosing.quote === '`') return { start, end, newText: `\${${reference.text}}` };
  if (inner.includes('`') || inner.includes('${') || inner.includes('\\')) return undefined;
  const head = text.slice(enclosing.open + 1, start);
  const tail = text.slice(end, enclosing.close);
  return {
    start: enclosing.open,
    end: enclosing.close + 1,
    newText: `\`${head}\${${reference.text}}${tail}\``,
  };
}

function isQuote(c: string | undefined): c is '"' | "'" | '`' {
  return c === '"' || c === "'" || c === '`';
}

/** The nearest quotes around [start, end) on its line, if the same quote opens and closes. */
function enclosingQuote(
  text: string,
  lineStart: number,
  start: number,
  end: number,
  lineEnd: number,
): { open: number; close: number; quote: string } | undefined {
  let open = start - 1;
  while (open >= lineStart && !isQuote(text[open])) open--;
  if (open < lineStart) return undefined;
  const quote = text[open] as string;
  let close = end;
  while (close < lineEnd && text[close] !== quote) close++;
  if (close >= lineEnd) return undefined;
  return { open, close, quote };
}

/** A token the agent has a definition for, as far as naming a new static token is concerned. */
export interface DefinedToken {
  name: string;
  type: string;
  /** Whether the store holds a value for it now. */
  held: boolean;
}

// The config's rule for token names; a name the client sends back is checked against it too.
const tokenNamePattern = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Whether a leaked value may go into the store as the static token `name`. Any other kind of token
 * of that name would read a `static_token` secret it never asked for, and a static token that holds
 * another value would lose it, so only a free name or a static token that holds nothing or this
 * very value (`liveToken`, the name of the token the value is known to be) will do.
 */
export function canStoreStaticAs(
  name: string,
  defined: readonly DefinedToken[],
  liveToken: string | undefined,
): boolean {
  if (!tokenNamePattern.test(name)) return false;
  const token = defined.find((t) => t.name === name);
  return token === undefined || (token.type === 'static' && (!token.held || liveToken === name));
}

/**
 * The static token to store a leaked value as: the static token it already is, else a name from its
 * environment variable (`GITHUB_TOKEN` → `github-token`), with `-2`, `-3`… while that one is taken.
 */
export function staticTokenName(
  envName: string,
  defined: readonly DefinedToken[],
  liveToken: string | undefined,
): string {
  if (liveToken !== undefined && defined.some((t) => t.name === liveToken && t.type === 'static'))
    return liveToken;
  // Room for a suffix within the 64 characters a name may have.
  const base =
    envName
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .slice(0, 56)
      .replace(/^-+|-+$/g, '') || 'secret';
  // Every taken name rules out at most one candidate, so this ends within defined.length + 1 tries.
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (canStoreStaticAs(name, defined, liveToken)) return name;
  }
}

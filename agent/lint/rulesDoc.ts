// Renders docs/rules.md from the rule metadata: one section per rule, anchored by its id, plus how
// to suppress findings and how to run the scanner as a pre-commit hook.
import { ruleInfos } from './rules';

const intro = `# Leak-lint rules

Token Agent reports hard-coded tokens, keys and passwords: as diagnostics in the editor (source
\`token-agent\`, the rule id as code, linked here) and from \`token-agent scan\` in CI and git hooks.
Each section below is one rule: what it finds, what a match looks like (described, never an example
value), and what to do about it.

This file is generated from the rules (\`npx tsx scripts/gen-rules-doc.ts\`); a unit test fails when it
is stale.

## How a match is decided

A prefilter finds the literal every match contains (\`ghp_\`, \`AKIA\`, \`eyJ\`, \`://\`, or a keyword such as
\`token\` for context rules); the rule then validates in place with a bounded regular expression, so a scan
is linear in the size of the file. A candidate is dropped when it is a placeholder (\`xxxx\`, \`<token>\`,
\`\${VAR}\`, \`{{ var }}\`, \`%VAR%\`, \`changeme\`, \`your-…\`, \`example\`, \`****\`), a value a provider documents as
an example (AWS's \`…EXAMPLE\` keys, jwt.io's sample token), repeated or sequential characters, below the
rule's entropy floor, or after an integrity or checksum marker (lockfiles, \`integrity="sha384-…"\`,
go.sum). Lockfiles and minified bundles (\`.min.js\`, or a script whose first 32 KB hold a line over 2,000
characters) get only the provider-format rules. Keystores (\`.p12\`, \`.pfx\`, \`.jks\`, \`.keystore\`) are
findings by name. \`token-agent scan\` reads files of any size (past 64 MB in overlapping windows; the
editor's workspace scan stops at 10 MB); binary files, and
files over \`--max-file-size\` when it is given, are not: \`token-agent scan\` counts them on stderr,
lists them with \`--verbose\`, and lists them in its JSON (\`skipped\`) and SARIF (tool execution
notifications) output. Keys made to be published (a Firebase web config's API key, Mapbox \`pk.\`
tokens, PostHog project keys) have severity info: listed, shown as information in the editor and as
SARIF notes, and never a reason for \`token-agent scan\` to exit 1. So do GitHub and npm token look-alikes
that fail the CRC32 checksum those tokens carry of their random part (\`github-token-unverified\`,
\`npm-token-unverified\`): a real token always passes it, so a failing one is typo'd, made up or altered.

The generic rule reads string literals (and bare values in configuration files: \`.env\`, YAML,
properties), never expressions: calls, \`::\`, \`->\`, \`$var\` references, identifiers and class names,
dotted names, ARNs and URNs, password hashes (\`{bcrypt}$2a$…\`, \`pbkdf2_sha256$…\`), truncated (\`…\`) or
bracketed examples, values that name themselves (\`MyDatabaseSecret\`), message text, and names for what
is not a credential (CSRF, nonce, idempotency and pagination tokens). URL passwords that are variables,
upper-case placeholders (\`LOGIN:APIKEY\`) or words are not reported.

## Suppressing a finding

- On the line: a comment containing \`token-agent:allow\` (also honoured: \`gitleaks:allow\`,
  \`pragma: allowlist secret\`, \`trufflehog:ignore\`). The editor's quick fix "Suppress on this line" adds
  one in the file's comment syntax.
- On the next line: a comment containing \`pragma: allowlist nextline secret\` on the line before.
- Whole paths: a \`.tokenagentignore\` file (gitignore syntax) in the directory you scan from or below;
  \`token-agent scan\` honours \`.gitignore\` as well when it walks directories, except for the files git
  tracks (they are committed whatever \`.gitignore\` says).

## Accepting existing findings: the baseline

\`token-agent scan --write-baseline .tokenagent-baseline.json\` records every current finding; commit the
file at the repository root, and later scans (and the editor, which reads the same file from each
workspace folder and re-reads it when it changes) report only findings it does not list. Each entry is
the file's path, the rule and a scrypt hash of the matched value under a random salt kept in the file:
never the value and never the line, so an entry keeps matching when lines move, and guessing a short
value costs milliseconds per guess. \`--baseline FILE\` names another file, \`--no-baseline\` reports
everything. Entries that match nothing in the files scanned (or whose file is gone) are reported as
stale: on stderr, in the JSON (\`baseline.stale\`) and as SARIF notifications; rewrite the file to drop
them. Prefer fixing a finding (and revoking the secret) to accepting it.

## Scanning history

\`token-agent scan --git\` reads the lines every commit on every branch and tag added (\`git log -p\`,
streamed), so a secret committed and deleted later is still found; \`--git main..HEAD\` limits it to a
range. Each finding names its commit and author date (\`commit:path:line\` in text, \`commit\` and
\`authorDate\` in JSON and SARIF). A secret found in history stays readable by anyone with a clone:
revoke it, then rewrite the history if you must.

## Live tokens

When the agent holds an access token, any word or string literal equal to it is an error, "live token
'NAME' hard-coded", whatever its format. The comparison uses HMAC-SHA256 under a key drawn at random in
each agent process; the tokens themselves are never kept by the lint or sent to the editor for this.

## Using \`token-agent scan\` as a pre-commit hook

\`token-agent scan [PATH…] [--format text|json|sarif]\` exits 0 when clean, 1 on findings and 2 on usage
or I/O errors. \`-\` reads stdin; a unified diff on stdin is scanned as the lines it adds, so removing a
secret never blocks a commit.

A plain git hook, \`.git/hooks/pre-commit\` (make it executable):

\`\`\`sh
#!/bin/sh
# Scan only what this commit adds.
git diff --cached --no-color --unified=0 | token-agent scan - || {
  echo "token-agent: hard-coded secret in the staged changes (see above)." >&2
  echo "Fix it, or mark a false alarm with a token-agent:allow comment." >&2
  exit 1
}
\`\`\`

Or scan the staged files whole (\`--diff-filter=ACMR\` leaves out deleted files, which cannot be read):

\`\`\`sh
#!/bin/sh
git diff --cached --name-only --diff-filter=ACMR -z | xargs -0 -r token-agent scan --format text
\`\`\`

With the [pre-commit](https://pre-commit.com) framework, in \`.pre-commit-config.yaml\`:

\`\`\`yaml
repos:
  - repo: local
    hooks:
      - id: token-agent
        name: token-agent scan
        entry: token-agent scan --format text
        language: system
        pass_filenames: true
\`\`\`

In CI, \`token-agent scan --format sarif . > token-agent.sarif\` produces a SARIF 2.1.0 log for code-scanning
dashboards (each rule with its id, description and a link to its section here).

## Rules
`;

export function renderRulesDoc(): string {
  const sections = [...ruleInfos]
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.id.localeCompare(b.id))
    .map((rule) =>
      [
        `### ${rule.id}`,
        '',
        `**${rule.title}** · provider: ${rule.provider} · severity: ${rule.severity} · suggested variable: \`${rule.envName}\``,
        '',
        rule.description,
        '',
        `- Shape: ${rule.shape}`,
        `- Fix: ${rule.fix}`,
        '',
      ].join('\n'),
    );
  const index = [...ruleInfos]
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.id.localeCompare(b.id))
    .map((rule) => `| ${rule.provider} | [\`${rule.id}\`](#${rule.id}) | ${rule.title} |`);
  return [
    intro,
    `${ruleInfos.length} rules for ${new Set(ruleInfos.map((r) => r.provider)).size} providers and formats.`,
    '',
    '| provider | rule | finds |',
    '| --- | --- | --- |',
    ...index,
    '',
    ...sections,
  ].join('\n');
}

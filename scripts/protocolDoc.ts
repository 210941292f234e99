// Renders docs/protocol.md from agent/protocol.ts itself: the method table (`methods`), every exported
// type with its comments, and the error codes. test/unit/protocol-doc.test.ts fails when the committed
// page differs from what this renders, so the page cannot drift from the module.
// Run: npm run docs:protocol
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { ErrorCode, methods } from '../agent/protocol';

const intro = `# Token Agent protocol

<!-- Generated from agent/protocol.ts by \`npm run docs:protocol\`; do not edit by hand. -->

Each VS Code window starts \`token-agent lsp --stdio\`, a language server that speaks the Language Server
Protocol with the extension. Standard LSP carries the leak lint (diagnostics, hovers, code actions);
this page documents the custom messages, declared once in [\`agent/protocol.ts\`](../agent/protocol.ts),
which both sides import. The language server is a client of the user agent
([user-agent.md](user-agent.md)): token state and every request that acts on a token are the agent's.

Conventions:

- Method names are \`tokenAgent/<name>\`; notifications that report a change are \`tokenAgent/didChange<Thing>\`.
- Times are Unix milliseconds (numbers), so no time zone is ever guessed.
- A token's value never crosses this protocol except in the responses made to hand one over. Status
  messages carry names, phases and expiries only.
- Errors are \`ResponseError\`s whose \`data.code\` is a stable \`ERR_…\` code (the list is at the end); the
  extension branches on the code, never on the message text.
`;

export function renderProtocolDoc(sourcePath = 'agent/protocol.ts'): string {
  const source = readFileSync(sourcePath, 'utf8').replace(/\r\n/g, '\n');
  const sections = methods.map((m) => {
    const lines = [
      `## \`${m.method}\``,
      '',
      `- **Kind:** ${m.kind} · **Direction:** ${m.direction}`,
      `- **Params:** ${m.params === 'none' ? 'none' : `\`${m.params}\``}`,
      ...(m.result ? [`- **Result:** \`${m.result}\``] : []),
      ...(m.errors?.length ? [`- **Errors:** ${m.errors.map((code) => `\`${code}\``).join(', ')}`] : []),
      '',
      m.summary,
    ];
    return lines.join('\n');
  });
  const codes = [...new Set(Object.values(ErrorCode))].sort().map((code) => `- \`${code}\``);
  return `${[
    intro,
    ...sections,
    '## Types\n\nEvery type the messages carry, as declared in `agent/protocol.ts`.\n',
    `\`\`\`ts\n${exportedTypes(source).join('\n\n')}\n\`\`\``,
    `## Error codes\n\n${codes.join('\n')}`,
  ].join('\n\n')}\n`;
}

/** The exported interfaces and type aliases, verbatim with their doc comments. */
function exportedTypes(source: string): string[] {
  const file = ts.createSourceFile('protocol.ts', source, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const statement of file.statements) {
    if (!ts.isInterfaceDeclaration(statement) && !ts.isTypeAliasDeclaration(statement)) continue;
    if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (statement.name.text === 'MethodInfo' || statement.name.text === 'Direction') continue;
    out.push(statement.getFullText(file).trim());
  }
  return out;
}

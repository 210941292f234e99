// `token-agent token add|remove|list` and `config path`: definitions are the user agent's to write
// (it owns the config file and applies each change in place); with --no-agent this process edits
// the file itself, with the same atomic write.
import { ConfigOwner, toDefinitionList } from '../config/configFile';
import { agentPaths } from '../daemon/paths';
import { connectAgent } from '../daemon/start';
import type { DefineTokenResult, DefinitionList } from '../protocol';
import { fail, wantsLocal } from './run';
import { renderDefinitions, renderRemoval, renderVerdict, type TokenCommand } from './tokenCommands';

type Definitions = {
  list(): Promise<DefinitionList>;
  define(name: string, entry: Record<string, unknown>): Promise<DefineTokenResult>;
  remove(name: string): Promise<{ removed: boolean }>;
};

export async function runTokenCommand(command: Exclude<TokenCommand, { kind: 'help' }>): Promise<number> {
  try {
    if (command.kind === 'config-path') {
      const paths = agentPaths({
        platform: process.platform,
        env: process.env,
        ...(command.config ? { configFlag: command.config } : {}),
      });
      process.stdout.write(`${paths.configPath}\n`);
      return 0;
    }
    const api = wantsLocal(command) ? await local(command.config) : await viaAgent(command.config);
    switch (command.kind) {
      case 'token-list': {
        const list = await api.list();
        process.stdout.write(command.json ? `${JSON.stringify(list, null, 2)}\n` : renderDefinitions(list));
        return 0;
      }
      case 'token-add': {
        const name = String(command.definition.name ?? '');
        const { name: _name, ...entry } = command.definition;
        const verdict = await api.define(name, entry);
        process.stderr.write(renderVerdict(verdict, verdict.configPath, command.definition));
        return verdict.ok ? 0 : 1;
      }
      case 'token-remove': {
        const result = await api.remove(command.name);
        process.stderr.write(renderRemoval(result, command.name, (await api.list()).configPath));
        return result.removed ? 0 : 1;
      }
    }
  } catch (error) {
    return fail(error);
  }
}

async function viaAgent(config: string | undefined): Promise<Definitions> {
  const { client } = await connectAgent({ ...(config ? { configFlag: config } : {}) });
  return {
    list: () => client.definitions(),
    define: (name, entry) => client.define(name, entry),
    remove: (name) => client.removeDefinition(name),
  };
}

async function local(config: string | undefined): Promise<Definitions> {
  const { configPath } = agentPaths({
    platform: process.platform,
    env: process.env,
    ...(config ? { configFlag: config } : {}),
  });
  const owner = new ConfigOwner({ path: configPath });
  await owner.load();
  return {
    list: async () => toDefinitionList(owner.list()),
    define: async (name, entry) => {
      const verdict = await owner.define({ ...entry, name });
      return verdict.ok
        ? {
            ok: true,
            replaced: verdict.replaced,
            configPath,
            warnings: verdict.problems.map((p) => p.message),
          }
        : {
            ok: false,
            configPath,
            problems: verdict.problems.map((p) => ({
              ...(p.field ? { field: p.field } : {}),
              message: p.message,
            })),
          };
    },
    remove: (name) => owner.remove(name),
  };
}

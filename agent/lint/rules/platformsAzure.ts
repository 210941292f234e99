// Platforms group, part 3: Azure secrets recognised by the structure around them — a SAS signature
// in a URL's query, and keys inside connection strings. Each rule starts at a literal of the
// structure and reads a bounded span from there.
import { mask } from '../../base/redact';
import { isKnownExample, isPlaceholder, looksRandom } from './filters';
import { priority, type Rule, type RuleInfo, type RuleMatch } from './types';

const b64Key = /^[A-Za-z0-9+/]{43}=$/;

function info(rule: Omit<RuleInfo, 'severity'>): RuleInfo {
  return { ...rule, severity: 'warning' };
}

/** A finding for the key at [start, end), or undefined when it looks like a placeholder or a pattern. */
function keyMatch(
  text: string,
  start: number,
  end: number,
  what: string,
  minEntropy = 4,
): RuleMatch | undefined {
  const key = text.slice(start, end);
  if (isPlaceholder(key) || isKnownExample(key)) return undefined;
  const random = looksRandom(key, minEntropy);
  if (!random.ok) return undefined;
  return {
    start,
    end,
    why: `${what}; entropy ${random.entropy.toFixed(1)} bits per character.`,
    masked: mask(key),
  };
}

/** The start of the line holding `at`, looking back at most `limit` characters. */
function lineStart(text: string, at: number, limit: number): number {
  const floor = Math.max(0, at - limit);
  const newline = text.lastIndexOf('\n', at);
  return newline < floor ? floor : newline + 1;
}

// Azure Storage SAS (learn.microsoft.com/rest/api/storageservices/create-service-sas and
// create-account-sas): a query with the signed version `sv=YYYY-MM-DD` and the signature `sig=`, the
// base64 of an HMAC-SHA256 (43 characters and `=`, URL-encoded `%3D`).
const sasSig = /sig=((?:[A-Za-z0-9]|%2[bBfF]|[+/]){43}(?:%3[dD]|=))/y;
const sasVersion = /[?&;]sv=20[0-9]{2}-[0-9]{2}-[0-9]{2}/;

const azureSas: Rule = {
  ...info({
    id: 'azure-sas-token',
    provider: 'Azure',
    title: 'Azure shared access signature',
    description:
      'An Azure Storage shared access signature (SAS): a URL or query string with a signed version `sv=` and a signature `sig=` (the base64 of an HMAC-SHA256, 43 characters and `=` or `%3D`). Whoever holds it has the access it grants until it expires.',
    fix: 'Revoke it (rotate the storage account key that signed it, or delete its stored access policy), and have the application request a short-lived SAS at run time.',
    envName: 'AZURE_STORAGE_SAS_TOKEN',
    shape:
      '`sig=` and 43 base64 characters ending `=` or `%3D`, after an `sv=YYYY-MM-DD` parameter on the same line.',
  }),
  triggers: ['sig='],
  priority: priority.provider,
  maxLength: 120,
  match(ctx, at) {
    const { text } = ctx;
    const before = text[at - 1];
    if (before !== '?' && before !== '&' && before !== ';') return undefined;
    ctx.stats.ruleExecs++;
    sasSig.lastIndex = at;
    const found = sasSig.exec(text);
    if (!found?.[1]) return undefined;
    const start = at + 4;
    const end = start + found[1].length;
    // The signed version comes first in every documented SAS; 1 KB of the line is enough to find it.
    const from = lineStart(text, at, 1024);
    ctx.stats.examined += at - from;
    if (!sasVersion.test(text.slice(from, at))) return undefined;
    const decoded = decodeURIComponent(found[1]);
    if (!b64Key.test(decoded)) return undefined;
    const random = looksRandom(decoded.slice(0, 43), 4);
    if (!random.ok || isPlaceholder(decoded)) return undefined;
    return {
      start,
      end,
      why: `a \`sig=\` signature of 44 base64 characters after a signed version \`sv=\`; entropy ${random.entropy.toFixed(1)} bits per character.`,
      masked: mask(found[1]),
    };
  },
};

// Azure Cosmos DB connection string (learn.microsoft.com/azure/cosmos-db/how-to-obtain-account-keys;
// Kingfisher azurecosmosdb.2): `AccountEndpoint=https://<account>.documents.azure.com:443/;AccountKey=`.
const cosmos =
  /AccountEndpoint=https:\/\/[A-Za-z0-9-]{1,63}\.documents\.azure\.(?:com|us|cn)(?::[0-9]{1,5})?\/?;[ ]{0,2}AccountKey=([A-Za-z0-9+/]{86}==)/y;

const azureCosmos: Rule = {
  ...info({
    id: 'azure-cosmosdb-key',
    provider: 'Azure',
    title: 'Azure Cosmos DB account key',
    description:
      'An Azure Cosmos DB account key in a connection string: `AccountEndpoint=https://<account>.documents.azure.com…;AccountKey=` and 86 base64 characters with `==`. It grants full access to the account.',
    fix: 'Regenerate the key in the Azure portal (Cosmos DB account, Keys), and prefer Entra ID (RBAC) or a key read from Key Vault at run time.',
    envName: 'COSMOS_CONNECTION_STRING',
    shape:
      '`AccountEndpoint=https://…documents.azure.com…;AccountKey=` followed by 86 base64 characters and `==`.',
  }),
  triggers: ['AccountEndpoint='],
  priority: priority.provider,
  maxLength: 260,
  match(ctx, at) {
    ctx.stats.ruleExecs++;
    cosmos.lastIndex = at;
    const found = cosmos.exec(ctx.text);
    if (!found?.[1]) return undefined;
    const end = at + found[0].length;
    return keyMatch(ctx.text, end - 88, end, 'an 88-character key after a Cosmos DB `AccountEndpoint=`', 4.5);
  },
};

// Azure App Configuration connection string (learn.microsoft.com/azure/azure-app-configuration;
// Kingfisher azure.2): `Endpoint=https://<store>.azconfig.io;Id=<id>;Secret=<base64>`.
const appConfig = /\.azconfig\.io;Id=[A-Za-z0-9:+/_-]{4,40};Secret=([A-Za-z0-9+/]{36,50}=)/y;

const azureAppConfig: Rule = {
  ...info({
    id: 'azure-app-configuration-secret',
    provider: 'Azure',
    title: 'Azure App Configuration access key',
    description:
      'The secret of an Azure App Configuration access key in a connection string: `Endpoint=https://<store>.azconfig.io;Id=…;Secret=` and a base64 value.',
    fix: 'Regenerate the access key in the Azure portal (App Configuration, Access settings), and prefer Entra ID authentication.',
    envName: 'APP_CONFIGURATION_CONNECTION_STRING',
    shape: '`.azconfig.io;Id=…;Secret=` followed by 37 to 51 base64 characters ending `=`.',
  }),
  triggers: ['.azconfig.io;'],
  priority: priority.provider,
  maxLength: 140,
  match(ctx, at) {
    ctx.stats.ruleExecs++;
    appConfig.lastIndex = at;
    const found = appConfig.exec(ctx.text);
    if (!found?.[1]) return undefined;
    const end = at + found[0].length;
    return keyMatch(
      ctx.text,
      end - found[1].length,
      end,
      'the `Secret=` of an `azconfig.io` connection string',
    );
  },
};

// Service Bus, Event Hubs and IoT Hub connection strings (learn.microsoft.com/azure/service-bus-messaging/
// service-bus-sas; Kingfisher azure.1): `SharedAccessKeyName=<policy>;SharedAccessKey=<44 base64>`.
const sharedKey = /;[ ]{0,2}SharedAccessKey=([A-Za-z0-9+/]{43}=)/y;

const azureSharedAccessKey: Rule = {
  ...info({
    id: 'azure-shared-access-key',
    provider: 'Azure',
    title: 'Azure shared access key (Service Bus, Event Hubs, IoT Hub)',
    description:
      'A shared access key in an Azure Service Bus, Event Hubs, Relay or IoT Hub connection string: `SharedAccessKeyName=<policy>;SharedAccessKey=` and 44 base64 characters.',
    fix: 'Regenerate the key of that shared access policy in the Azure portal, and prefer Entra ID (managed identity) or a connection string read from Key Vault.',
    envName: 'SERVICEBUS_CONNECTION_STRING',
    shape:
      '`SharedAccessKey=` and 43 base64 characters with `=`, after `SharedAccessKeyName=` on the same line.',
  }),
  triggers: [';SharedAccessKey=', '; SharedAccessKey='],
  priority: priority.provider,
  maxLength: 70,
  match(ctx, at) {
    const { text } = ctx;
    ctx.stats.ruleExecs++;
    sharedKey.lastIndex = at;
    const found = sharedKey.exec(text);
    if (!found?.[1]) return undefined;
    const from = lineStart(text, at, 512);
    ctx.stats.examined += at - from;
    if (!text.slice(from, at).includes('SharedAccessKeyName=')) return undefined;
    const end = at + found[0].length;
    return keyMatch(text, end - 44, end, 'a 44-character `SharedAccessKey=` after `SharedAccessKeyName=`');
  },
};

export const platformsAzureRules: Rule[] = [azureSas, azureCosmos, azureAppConfig, azureSharedAccessKey];

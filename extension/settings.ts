// Every setting the extension reads, declared once with its default. Pure (no `vscode`) so that
// test/unit/settings.test.ts can check it against package.json's contributes.configuration.

export interface TokenSetting {
  name: string;
  type: string;
  [field: string]: unknown;
}

export const settingDefaults = {
  'agent.path': '',
  tokens: [] as TokenSetting[],
  'copy.minValiditySeconds': 300,
  'copy.clearAfterSeconds': 45,
  'statusBar.warnBeforeSeconds': 300,
  'log.level': 'info' as 'debug' | 'info' | 'warn' | 'error',
  'lint.enabled': true,
  'trace.server': 'off' as 'off' | 'messages' | 'verbose',
} as const;

export type SettingKey = keyof typeof settingDefaults;
export const settingsSection = 'tokenAgent';

// Every setting the extension reads, declared once with its default. Pure (no `vscode`) so that
// test/unit/settings.test.ts can check it against package.json's contributes.configuration.

export const settingDefaults = {
  'agent.path': '',
  'lint.enabled': true,
  'trace.server': 'off' as 'off' | 'messages' | 'verbose',
} as const;

export type SettingKey = keyof typeof settingDefaults;
export const settingsSection = 'tokenAgent';

import * as vscode from 'vscode';
import { type SettingKey, settingDefaults, settingsSection } from './settings';

export function readSetting<K extends SettingKey>(key: K): (typeof settingDefaults)[K] {
  return vscode.workspace.getConfiguration(settingsSection).get(key, settingDefaults[key]);
}

export function affects(event: vscode.ConfigurationChangeEvent, key: SettingKey): boolean {
  return event.affectsConfiguration(`${settingsSection}.${key}`);
}

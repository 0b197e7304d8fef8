/**
 * The CLI's words for the service's structured hints: an action becomes the command line or the
 * environment variable that does it here (the window offers the same action as a button or a field).
 */

import { SETTINGS } from '../core/config/settingsRegistry.js';
import type { AppError, HintAction, SettingKey } from '../shared/errors.js';

function settingWords(key: SettingKey): string {
  const spec = SETTINGS[key];
  const variable = spec.variables[0];
  const inFile = spec.file.length > 0 && !spec.secret ? `${spec.file.join('.')} in config.json` : null;
  return [variable, inFile].filter(Boolean).join(' or ') || spec.label;
}

export function renderAction(action: HintAction): string {
  switch (action.kind) {
    case 'fix-setting':
      return `(${action.settings.map(settingWords).join('; ')})`;
    case 'sync-as-it-stands':
      return `To sync what it holds anyway, run the sync again with --allow-incomplete${action.sweep ? ` (watch mode: \`bilancio-sync retry ${action.sweep} --allow-incomplete\`)` : ''}.`;
    case 'sync-with-run-data':
      return `Sync it again with --full: \`bilancio-sync sync <folder of ${action.sweep}> --full\`.`;
    case 'sync-again':
      return `Sync the sweep again from its folder: \`bilancio-sync sync <folder of ${action.sweep}>\`.`;
    case 'restore-revision':
      return `Restore it with \`bilancio-sync download ${action.sweep} <folder> --revision ${action.revision}\`.`;
    case 'choose-revision':
      return `Pass one of those to --revision (\`bilancio-sync revisions ${action.sweep}\` lists them).`;
    case 'choose-empty-folder':
      return action.overwriteAllowed
        ? 'Choose an empty folder, or pass --overwrite to replace them.'
        : 'Choose an empty folder.';
    case 'rename-sweep':
      return 'Give it another name with --name, e.g. --name my_sweep_2026.';
    case 'list-sweeps':
      return 'Run `bilancio-sync list-sweeps` to see the synced sweeps.';
    case 'show-status':
      return '`bilancio-sync status` shows the sweeps and what the watcher is doing.';
    case 'verify-sweep':
      return `Run \`bilancio-sync verify ${action.sweep}\`, then sync the sweep again.`;
    case 'test-connection':
      return 'Run `bilancio-sync doctor` to test each destination.';
    case 'retry-sweep':
      return `Run \`bilancio-sync retry ${action.sweep}\`.`;
  }
}

/**
 * The hint as one line for a terminal. A setting hint keeps its words and names the variables; any other
 * action is worded as the command that does it, in place of the shell-neutral words.
 */
export function renderHint(hint: AppError['hint']): string | null {
  if (!hint) return null;
  if (!hint.action) return hint.text || null;
  const action = renderAction(hint.action);
  return hint.action.kind === 'fix-setting' ? `${hint.text} ${action}` : action;
}

/** A warning's hint (e.g. "restore revision 1") as CLI words, after its message. */
export function withHint(message: string, hint: AppError['hint'] | undefined): string {
  const h = renderHint(hint ?? null);
  return h ? `${message} ${h}` : message;
}

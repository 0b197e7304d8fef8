/**
 * The native folder picker, where the shell has one (the desktop app: its bridge says so, and main answers
 * `dialog.pickFolder` with the system dialog). Browser mode has none: the target is typed (and checked),
 * and the page offers no "Choose…" button.
 */
import { call, useClient } from '../../api/client';

export type FolderPicker = (options: {
  purpose: 'restore-target' | 'watched-folder';
  defaultPath?: string;
}) => Promise<string | null>;

export function useFolderPicker(): FolderPicker | null {
  const client = useClient();
  if (!client.capabilities.folderPicker) return null;
  return async ({ purpose, defaultPath }) =>
    (await call(client, 'dialog.pickFolder', { purpose, ...(defaultPath ? { defaultPath } : {}) })).path;
}

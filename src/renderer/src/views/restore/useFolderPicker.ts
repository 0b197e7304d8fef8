/**
 * The native folder picker, where the shell has one. Browser mode has none, so the target is typed (and
 * checked); the Electron app will offer its dialog through the contract (a `dialog.pickFolder` command
 * the desktop issue adds) — this hook is the one place that will call it. Until then: no picker.
 */
export type FolderPicker = (options: { title: string; defaultPath?: string }) => Promise<string | null>;

export function useFolderPicker(): FolderPicker | null {
  return null;
}

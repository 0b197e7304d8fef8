import { useEffect, useState } from 'react';
import type { AppInfo, Commands } from '../../shared/ipc';

declare global {
  interface Window {
    bilancioSync?: Commands;
  }
}

/** Placeholder window until the desktop issue: shows which engine it talks to. */
export function App(): React.JSX.Element {
  const [info, setInfo] = useState<AppInfo | null>(null);
  useEffect(() => {
    void window.bilancioSync?.getAppInfo().then(setInfo);
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui', padding: 24 }}>
      <h1>Bilancio Sync</h1>
      <p>{info ? `${info.name} ${info.version} on ${info.platform}` : 'Starting…'}</p>
      <p>Use the `bilancio-sync` command line for sync, list and restore.</p>
    </main>
  );
}

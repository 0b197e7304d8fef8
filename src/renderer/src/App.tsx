import { useEffect, useState } from 'react';
import { type Bridge, makeClient } from '../../shared/bridge';

declare global {
  interface Window {
    bilancioSync?: Bridge;
  }
}

/** Placeholder window until the window issue: shows which engine it talks to, through the Bridge. */
export function App(): React.JSX.Element {
  const [info, setInfo] = useState<string>('Starting…');
  useEffect(() => {
    if (!window.bilancioSync) return;
    void makeClient(window.bilancioSync)
      ['app.info']({})
      .then((r) =>
        setInfo(r.ok ? `${r.value.name} ${r.value.version} on ${r.value.platform}` : r.error.message),
      );
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui', padding: 24 }}>
      <h1>Bilancio Sync</h1>
      <p>{info}</p>
      <p>Use the `bilancio-sync` command line for sync, list and restore.</p>
    </main>
  );
}

/**
 * The window: a left navigation (Overview, Activity, Sweeps, Settings), the view the hash route names,
 * and the event stream that keeps every query fresh. On a first run (no watched folder, nothing synced)
 * the Overview place shows the first-run steps until the researcher moves on.
 */
import { useEffect, useRef, useState } from 'react';
import { useFolders, useOverview, useSweepSearch } from './api/queries';
import { useEventStream } from './api/useEventStream';
import { ErrorBoundary } from './components/ErrorBoundary';
import { href, type Route, useRoute } from './router';
import { ActivityView } from './views/activity/ActivityView';
import { FirstRun } from './views/firstrun/FirstRun';
import { OverviewView } from './views/overview/OverviewView';
import { SettingsView } from './views/settings/SettingsView';
import { SweepPage } from './views/sweeps/SweepPage';
import { SweepsView } from './views/sweeps/SweepsView';

const NAV: Array<{ label: string; route: Route; matches: Route['view'][] }> = [
  { label: 'Overview', route: { view: 'overview' }, matches: ['overview'] },
  { label: 'Activity', route: { view: 'activity' }, matches: ['activity'] },
  { label: 'Sweeps', route: { view: 'sweeps' }, matches: ['sweeps', 'sweep'] },
  { label: 'Settings', route: { view: 'settings' }, matches: ['settings'] },
];

/** True once it is known that this is a first run; it stays true until the researcher moves on. */
function useFirstRun(): [boolean, () => void] {
  const folders = useFolders();
  const sweeps = useSweepSearch({ limit: 1 });
  const overview = useOverview();
  const [state, setState] = useState<'unknown' | 'yes' | 'no'>('unknown');
  const settled = folders.data && (sweeps.data || sweeps.error) && overview.data;
  useEffect(() => {
    if (state !== 'unknown' || !settled) return;
    const first =
      folders.data!.folders.length === 0 &&
      (sweeps.data?.total ?? 0) === 0 &&
      overview.data!.lastResults.length === 0 &&
      overview.data!.watching.length === 0;
    setState(first ? 'yes' : 'no');
  }, [state, settled, folders.data, sweeps.data, overview.data]);
  return [state === 'yes', () => setState('no')];
}

function View({
  route,
  firstRun,
  endFirstRun,
}: {
  route: Route;
  firstRun: boolean;
  endFirstRun: () => void;
}) {
  switch (route.view) {
    case 'overview':
      return firstRun ? <FirstRun onDone={endFirstRun} /> : <OverviewView />;
    case 'activity':
      return <ActivityView key={route.sweep ?? ''} sweep={route.sweep} />;
    case 'sweeps':
      return <SweepsView />;
    case 'sweep':
      return (
        <SweepPage key={route.name} name={route.name} revision={route.revision} restore={route.restore} />
      );
    case 'settings':
      return <SettingsView field={route.field} test={route.test} />;
  }
}

export function App() {
  useEventStream();
  const route = useRoute();
  const [firstRun, endFirstRun] = useFirstRun();
  const main = useRef<HTMLElement>(null);
  const previous = useRef(route.view);
  // Moving to another view puts the focus at its start (for keyboard and screen-reader users).
  useEffect(() => {
    if (previous.current !== route.view) main.current?.focus();
    previous.current = route.view;
  }, [route.view]);
  return (
    <div className="app">
      <button type="button" className="skip-link" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <nav className="sidebar" aria-label="Main">
        <p className="brand">Bilancio Sync</p>
        <ul>
          {NAV.map((n) => {
            const current = n.matches.includes(route.view);
            return (
              <li key={n.label}>
                <a href={href(n.route)} aria-current={current ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary key={`${route.view}:${route.view === 'sweep' ? route.name : ''}`}>
          <View route={route} firstRun={firstRun} endFirstRun={endFirstRun} />
        </ErrorBoundary>
      </main>
    </div>
  );
}

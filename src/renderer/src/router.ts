/**
 * A hash router, small enough to need no library: `#/`, `#/activity`, `#/sweeps`, `#/sweeps/<name>`
 * (with `?revision=N&restore=1`), `#/settings` (with `?field=<setting key>` to focus a field). Links are
 * plain `<a href>` built by `href`; `useRoute` re-renders on every hash change.
 */
import { useSyncExternalStore } from 'react';

export type Route =
  | { view: 'overview' }
  | { view: 'activity'; sweep?: string }
  | { view: 'sweeps' }
  | { view: 'sweep'; name: string; revision?: number; restore?: boolean }
  | { view: 'settings'; field?: string; test?: boolean };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  let parts: string[];
  try {
    parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    // A hand-typed address with a stray `%`: not a route we know, so the overview.
    return { view: 'overview' };
  }
  const query = new URLSearchParams(queryPart);
  switch (parts[0]) {
    case 'activity':
      return { view: 'activity', sweep: query.get('sweep') ?? undefined };
    case 'sweeps': {
      if (parts.length < 2) return { view: 'sweeps' };
      const rev = Number(query.get('revision'));
      return {
        view: 'sweep',
        name: parts.slice(1).join('/'),
        revision: Number.isInteger(rev) && rev > 0 ? rev : undefined,
        restore: query.get('restore') === '1',
      };
    }
    case 'settings':
      return { view: 'settings', field: query.get('field') ?? undefined, test: query.get('test') === '1' };
    default:
      return { view: 'overview' };
  }
}

export function href(route: Route): string {
  const q = new URLSearchParams();
  switch (route.view) {
    case 'overview':
      return '#/';
    case 'activity':
      if (route.sweep) q.set('sweep', route.sweep);
      return `#/activity${q.size ? `?${q}` : ''}`;
    case 'sweeps':
      return '#/sweeps';
    case 'sweep':
      if (route.revision !== undefined) q.set('revision', String(route.revision));
      if (route.restore) q.set('restore', '1');
      return `#/sweeps/${encodeURIComponent(route.name)}${q.size ? `?${q}` : ''}`;
    case 'settings':
      if (route.field) q.set('field', route.field);
      if (route.test) q.set('test', '1');
      return `#/settings${q.size ? `?${q}` : ''}`;
  }
}

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const target = href(route);
  if (options.replace) window.history.replaceState(null, '', target);
  else window.location.hash = target;
  if (options.replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}

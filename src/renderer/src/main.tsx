/**
 * The renderer's entry: picks the bridge to the engine — Electron's preload (`window.bilancioSync`) when
 * there is one, else HTTP (browser mode) — and nothing below this file knows which one it got. Then the
 * query cache (fed by the event stream, see api/useEventStream) and the window.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { type Bridge, makeClient } from '../../shared/bridge';
import { App } from './App';
import { ApiError, ClientProvider } from './api/client';
import { createHttpBridge } from './bridge/httpBridge';
import './styles/app.css';

declare global {
  interface Window {
    /** Exposed by the Electron preload. */
    bilancioSync?: Bridge;
  }
}

const bridge: Bridge = window.bilancioSync ?? createHttpBridge();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Events say when data changed; a refetch on focus is the only other refresh.
      staleTime: 30_000,
      // Only a transient failure (a destination down for a moment) is worth another try.
      retry: (count, error) => count < 2 && error instanceof ApiError && error.error.category === 'transient',
    },
  },
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <ClientProvider client={makeClient(bridge)}>
          <App />
        </ClientProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}

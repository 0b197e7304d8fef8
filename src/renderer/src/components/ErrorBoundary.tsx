/**
 * A view that throws while rendering shows what went wrong, with a Reload button, instead of a blank
 * window; the navigation around it keeps working (App keys one boundary per view, so moving to another
 * view starts afresh).
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import './components.css';

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode; what?: string }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('A view failed to render:', error, info.componentStack);
  }

  render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="view-error" role="alert" data-testid="view-error">
        <h1>{this.props.what ? `${this.props.what} could not be shown` : 'This view could not be shown'}</h1>
        <p>Something in the window went wrong while drawing it. Your data and the syncs are not affected.</p>
        <pre>{error.message || error.name}</pre>
        <div className="button-row">
          <button type="button" className="primary" onClick={() => window.location.reload()}>
            Reload
          </button>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
        </div>
      </div>
    );
  }
}

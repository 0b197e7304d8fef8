/**
 * A message port as the service protocol needs it, whatever carries it: Electron's MessagePortMain (main ↔
 * utility process), Node's worker_threads MessagePort, or a child process's IPC channel (tests, and the
 * built service entry started under plain Node). Messages are plain data (structured-clone / JSON safe).
 * Plain Node: nothing here imports electron; Electron's port is described by the little it must offer.
 */

export interface Port {
  post(message: unknown): void;
  /** Every message, in order; returns the unsubscribe. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Once, when the other side is gone (its process died, or the port was closed). */
  onClose(listener: () => void): () => void;
  close(): void;
}

/** What Electron's MessagePortMain offers (its 'message' events carry `{ data, ports }`). */
export interface ElectronMessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

/** What Node's worker_threads MessagePort offers ('message' events carry the data itself). */
export interface NodeMessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message' | 'close', listener: (data: unknown) => void): unknown;
  off(event: 'message' | 'close', listener: (data: unknown) => void): unknown;
  start?(): void;
  close(): void;
}

/** A child process seen from its parent (ChildProcess), or the current process seen from the child. */
export interface IpcProcessLike {
  send?(message: unknown): boolean;
  on(event: 'message' | 'disconnect', listener: (data: unknown) => void): unknown;
  off(event: 'message' | 'disconnect', listener: (data: unknown) => void): unknown;
  disconnect?(): void;
  readonly connected?: boolean;
}

function closeOnce() {
  const listeners = new Set<() => void>();
  let closed = false;
  return {
    fire() {
      if (closed) return;
      closed = true;
      for (const l of [...listeners]) l();
      listeners.clear();
    },
    add(l: () => void): () => void {
      if (closed) {
        queueMicrotask(l);
        return () => {};
      }
      listeners.add(l);
      return () => listeners.delete(l);
    },
    get closed() {
      return closed;
    },
  };
}

export function electronPort(port: ElectronMessagePortLike): Port {
  const close = closeOnce();
  port.on('close', () => close.fire());
  // MessagePortMain queues messages until started.
  queueMicrotask(() => port.start());
  return {
    post: (m) => {
      if (!close.closed) port.postMessage(m);
    },
    onMessage(listener) {
      const h = (e: { data: unknown }) => listener(e.data);
      port.on('message', h);
      return () => port.off('message', h);
    },
    onClose: (l) => close.add(l),
    close() {
      port.close();
      close.fire();
    },
  };
}

export function nodePort(port: NodeMessagePortLike): Port {
  const close = closeOnce();
  port.on('close', () => close.fire());
  port.start?.();
  return {
    post: (m) => {
      if (!close.closed) port.postMessage(m);
    },
    onMessage(listener) {
      port.on('message', listener);
      return () => port.off('message', listener);
    },
    onClose: (l) => close.add(l),
    close() {
      port.close();
      close.fire();
    },
  };
}

/** A process's IPC channel (fork() with an 'ipc' stdio, or `process` inside the child). */
export function processPort(proc: IpcProcessLike): Port {
  const close = closeOnce();
  proc.on('disconnect', () => close.fire());
  return {
    post: (m) => {
      if (close.closed || proc.connected === false || !proc.send) return;
      try {
        proc.send(m);
      } catch {
        close.fire();
      }
    },
    onMessage(listener) {
      proc.on('message', listener);
      return () => proc.off('message', listener);
    },
    onClose: (l) => close.add(l),
    close() {
      try {
        if (proc.connected !== false) proc.disconnect?.();
      } catch {
        // already gone
      }
      close.fire();
    },
  };
}

/**
 * Power and network, as the app itself (never as the user):
 * - "Pause on battery" (a preference, off by default): on battery the app pauses syncing as `app` — the
 *   upload in flight finishes, nothing new starts; back on AC it lifts its own pause only. A user's pause
 *   is never replaced nor lifted (the service host refuses both; core's clearPause refuses too). At start,
 *   on AC, a stale app pause left by a run that ended on battery is lifted.
 * - Battery state: powerMonitor `on-battery`/`on-ac` and isOnBatteryPower() on macOS/Windows; on Linux
 *   (no such events) /sys/class/power_supply/ * /online of the mains supplies ("Mains"/"USB" types), polled.
 * - After `resume` from sleep: one reconcile scan (what changed while asleep is found without waiting
 *   for the periodic one), after a short delay for the network to come back.
 * - Offline: `net.isOnline() === false` is reliable (true is not proof): polled; the tray shows the offline
 *   state; on return, one "sync now" after a random 2–10 s delay — many machines waking on one network
 *   don't hit the store together, and flapping connections trigger at most one per minute.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Result } from '../shared/commands.js';
import type { ControlOp, ControlResult } from './service/protocol.js';

export interface PowerMonitorLike {
  on(event: 'suspend' | 'resume' | 'on-battery' | 'on-ac', listener: () => void): unknown;
  off(event: 'suspend' | 'resume' | 'on-battery' | 'on-ac', listener: () => void): unknown;
  isOnBatteryPower?(): boolean;
}

export interface PowerDeps {
  powerMonitor: PowerMonitorLike;
  net: { isOnline(): boolean };
  /** The service's control channel (ServiceClient.control). */
  control(op: ControlOp): Promise<Result<ControlResult>>;
  /** "Sync now" through the contract. */
  syncNow(): Promise<unknown>;
  pauseOnBattery(): boolean;
  setOffline?(offline: boolean): void;
  platform?: NodeJS.Platform;
  /** Linux: where the power supplies are (tests use a temp folder). */
  powerSupplyDir?: string;
  pollMs?: number;
  resumeDelayMs?: number;
  /** Random delay before the sync on reconnect, [min, max] ms. */
  reconnectDelayMs?: [number, number];
  /** At most one reconnect sync per this many ms. */
  reconnectEveryMs?: number;
  random?(): number;
  now?(): number;
  log?(line: string): void;
}

export interface PowerWatch {
  /** Re-read the preference and the battery (after the user toggles "pause on battery"). */
  refresh(): Promise<void>;
  readonly onBattery: boolean;
  readonly offline: boolean;
  dispose(): void;
}

/** Linux: on battery when no mains/USB supply is online and at least one battery exists. */
export async function linuxOnBattery(dir = '/sys/class/power_supply'): Promise<boolean | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  let sawMains = false;
  let mainsOnline = false;
  let sawBattery = false;
  for (const name of names) {
    const type = (await readFile(join(dir, name, 'type'), 'utf8').catch(() => '')).trim();
    if (type === 'Battery') {
      sawBattery = true;
      continue;
    }
    if (type !== 'Mains' && type !== 'USB' && type !== 'USB_C' && type !== '') continue;
    const online = (await readFile(join(dir, name, 'online'), 'utf8').catch(() => null))?.trim();
    if (online === undefined || online === null) continue;
    sawMains = true;
    if (online === '1') mainsOnline = true;
  }
  if (!sawBattery) return false; // a desktop: no battery, always "on AC"
  if (!sawMains) return null; // a battery, but nothing says whether a charger is plugged in
  return !mainsOnline;
}

export function watchPowerAndNetwork(deps: PowerDeps): PowerWatch {
  const platform = deps.platform ?? process.platform;
  const pollMs = deps.pollMs ?? 30_000;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const log = deps.log ?? (() => {});
  const [minDelay, maxDelay] = deps.reconnectDelayMs ?? [2_000, 10_000];
  let onBattery = false;
  let offline = false;
  let disposed = false;
  let lastReconnectSync = Number.NEGATIVE_INFINITY;
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!disposed) fn();
    }, ms);
    t.unref?.();
    timers.add(t);
  };

  const readBattery = async (): Promise<boolean> => {
    if (platform === 'linux') return (await linuxOnBattery(deps.powerSupplyDir)) ?? false;
    return deps.powerMonitor.isOnBatteryPower?.() ?? onBattery;
  };

  const apply = async () => {
    if (disposed) return;
    const want = deps.pauseOnBattery() && onBattery;
    if (want) {
      const r = await deps.control({ op: 'app-pause', reason: 'on battery power' });
      if (r.ok && r.value.op === 'app-pause' && r.value.by === 'user')
        log('on battery: the user has paused already');
    } else {
      // Lifts our own pause only (also a stale one from a run that ended on battery); never the user's.
      await deps.control({ op: 'app-resume' });
    }
  };

  const setBattery = async (value: boolean) => {
    const changed = value !== onBattery;
    onBattery = value;
    if (changed) await apply();
  };

  const onBatteryEvent = () => void setBattery(true);
  const onAcEvent = () => void setBattery(false);
  const onResume = () => {
    later(deps.resumeDelayMs ?? 5_000, () => {
      void deps.control({ op: 'reconcile' });
      void readBattery().then(setBattery);
      checkNetwork();
    });
  };
  const onSuspend = () => {};

  const checkNetwork = () => {
    let isOffline: boolean;
    try {
      isOffline = deps.net.isOnline() === false;
    } catch {
      return;
    }
    if (isOffline === offline) return;
    offline = isOffline;
    deps.setOffline?.(offline);
    if (!offline && now() - lastReconnectSync >= (deps.reconnectEveryMs ?? 60_000)) {
      lastReconnectSync = now();
      later(minDelay + Math.floor(random() * Math.max(0, maxDelay - minDelay)), () => {
        if (!offline) void deps.syncNow();
      });
    }
  };

  deps.powerMonitor.on('on-battery', onBatteryEvent);
  deps.powerMonitor.on('on-ac', onAcEvent);
  deps.powerMonitor.on('resume', onResume);
  deps.powerMonitor.on('suspend', onSuspend);

  const poll = setInterval(() => {
    checkNetwork();
    if (platform === 'linux') void readBattery().then(setBattery);
  }, pollMs);
  poll.unref?.();

  const ready = (async () => {
    onBattery = await readBattery();
    await apply();
    checkNetwork();
  })();

  return {
    async refresh() {
      await ready;
      onBattery = await readBattery();
      await apply();
    },
    get onBattery() {
      return onBattery;
    },
    get offline() {
      return offline;
    },
    dispose() {
      disposed = true;
      clearInterval(poll);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      deps.powerMonitor.off('on-battery', onBatteryEvent);
      deps.powerMonitor.off('on-ac', onAcEvent);
      deps.powerMonitor.off('resume', onResume);
      deps.powerMonitor.off('suspend', onSuspend);
    },
  };
}

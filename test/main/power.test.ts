/**
 * Power and network against the real thing: a real AppService watching a real folder, hosted by the real
 * service host behind a worker_threads MessageChannel, called through ServiceClient — only powerMonitor and
 * net are stand-ins (EventEmitters). On battery the app pauses as "app"; back on AC it lifts its own pause;
 * a user's pause is never replaced nor lifted; resume from sleep runs a reconcile scan; going offline tells
 * the tray, coming back syncs once after a jittered delay, however often the link flaps.
 * Linux battery detection reads a fake /sys/class/power_supply tree.
 */
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src/core/service/AppService.js';
import { linuxOnBattery, watchPowerAndNetwork } from '../../src/main/power.js';
import { nodePort } from '../../src/main/service/port.js';
import { ServiceClient } from '../../src/main/service/ServiceClient.js';
import { startServiceHost } from '../../src/main/service/serviceHost.js';
import type { AppEvent } from '../../src/shared/events.js';

async function until<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

class FakePowerMonitor extends EventEmitter {
  battery = false;
  isOnBatteryPower() {
    return this.battery;
  }
}

describe('power and network', () => {
  let work: string;
  let client: ServiceClient;
  const events: AppEvent[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bsync-power-'));
    const experiments = join(work, 'experiments');
    await mkdir(experiments, { recursive: true });
    const env = {
      BILANCIO_SYNC_HOME: join(work, 'home'),
      BILANCIO_SYNC_SETTLE_SECONDS: '0',
      BILANCIO_SYNC_SECRETS: 'file',
    };
    client = new ServiceClient({
      spawn: () => {
        const { port1, port2 } = new MessageChannel();
        const host = startServiceHost({
          port: nodePort(port2),
          watch: true,
          makeService: () => new AppService({ env, cwd: work }),
        });
        let exit!: (v: { code: number | null }) => void;
        const exited = new Promise<{ code: number | null }>((r) => {
          exit = r;
        });
        void host.done.then(() => exit({ code: 0 }));
        return { port: nodePort(port1), exited, kill: () => port1.close() };
      },
    }).start();
    client.subscribe((e) => events.push(e));
    await client.whenReady();
    expect((await client.invoke('folders.add', { path: experiments })).ok).toBe(true);
    await until('watching', async () => {
      const o = await client.invoke('status.overview', { recent: 1 });
      return o.ok && o.value.watching.length === 1;
    });
  });

  afterAll(async () => {
    await client?.close();
    await rm(work, { recursive: true, force: true });
  });

  const pause = async () => {
    const o = await client.invoke('status.overview', { recent: 1 });
    if (!o.ok) throw new Error(o.error.message);
    return o.value.pause;
  };

  it('pauses as the app on battery and lifts only its own pause on AC', async () => {
    const pm = new FakePowerMonitor();
    let pauseOnBattery = true;
    const w = watchPowerAndNetwork({
      powerMonitor: pm,
      net: { isOnline: () => true },
      control: (op) => client.control(op),
      syncNow: async () => undefined,
      pauseOnBattery: () => pauseOnBattery,
      platform: 'darwin',
    });
    await w.refresh();
    expect(await pause()).toBeNull();
    pm.battery = true;
    pm.emit('on-battery');
    const p = await until('app pause', pause);
    expect(p).toMatchObject({ by: 'app', until: null, reason: 'on battery power' });
    expect(events.some((e) => e.event.type === 'paused' && e.event.pause.by === 'app')).toBe(true);
    pm.battery = false;
    pm.emit('on-ac');
    await until('resumed', async () => (await pause()) === null);
    expect(events.some((e) => e.event.type === 'resumed' && e.event.by === 'app')).toBe(true);

    // The preference off: battery changes nothing.
    pauseOnBattery = false;
    pm.battery = true;
    pm.emit('on-battery');
    await new Promise((r) => setTimeout(r, 200));
    expect(await pause()).toBeNull();
    pm.battery = false;
    pm.emit('on-ac');
    w.dispose();
  });

  it("never replaces nor lifts the user's pause", async () => {
    const pm = new FakePowerMonitor();
    const w = watchPowerAndNetwork({
      powerMonitor: pm,
      net: { isOnline: () => true },
      control: (op) => client.control(op),
      syncNow: async () => undefined,
      pauseOnBattery: () => true,
      platform: 'win32',
    });
    await w.refresh();
    const user = await client.invoke('sync.pause', { forMs: 3_600_000, reason: 'conference talk' });
    expect(user.ok).toBe(true);
    const before = await pause();
    pm.battery = true;
    pm.emit('on-battery');
    await new Promise((r) => setTimeout(r, 200));
    expect(await pause()).toEqual(before); // not replaced: still the user's, with their end time
    pm.battery = false;
    pm.emit('on-ac');
    await new Promise((r) => setTimeout(r, 200));
    expect(await pause()).toEqual(before); // not lifted
    // And an app pause the user overrides with their own stays theirs.
    expect((await client.invoke('sync.resume', {})).ok).toBe(true);
    pm.battery = true;
    pm.emit('on-battery');
    await until('app pause', async () => (await pause())?.by === 'app');
    expect((await client.invoke('sync.pause', {})).ok).toBe(true);
    expect((await pause())?.by).toBe('user');
    pm.battery = false;
    pm.emit('on-ac');
    await new Promise((r) => setTimeout(r, 200));
    expect((await pause())?.by).toBe('user');
    expect((await client.invoke('sync.resume', {})).ok).toBe(true);
    w.dispose();
  });

  it('runs a reconcile scan after resume from sleep', async () => {
    const pm = new FakePowerMonitor();
    const w = watchPowerAndNetwork({
      powerMonitor: pm,
      net: { isOnline: () => true },
      control: (op) => client.control(op),
      syncNow: async () => undefined,
      pauseOnBattery: () => false,
      platform: 'darwin',
      resumeDelayMs: 10,
    });
    const from = events.length;
    pm.emit('suspend');
    pm.emit('resume');
    await until('reconcile', () =>
      events.slice(from).find((e) => e.event.type === 'reconcile-finished' && e.event.trigger === 'request'),
    );
    w.dispose();
  });

  it('offline → tray told; back online → one jittered sync now, no storm when flapping', async () => {
    const pm = new FakePowerMonitor();
    let online = false;
    const offlineStates: boolean[] = [];
    const syncs: number[] = [];
    let t = 1_000_000;
    const w = watchPowerAndNetwork({
      powerMonitor: pm,
      net: { isOnline: () => online },
      control: (op) => client.control(op),
      syncNow: async () => {
        syncs.push(Date.now());
        return client.invoke('sync.now', {});
      },
      pauseOnBattery: () => false,
      setOffline: (o) => offlineStates.push(o),
      platform: 'darwin',
      pollMs: 20,
      reconnectDelayMs: [50, 100],
      reconnectEveryMs: 60_000,
      now: () => t,
    });
    await until('offline reported', () => offlineStates.length === 1);
    expect(offlineStates).toEqual([true]);
    online = true;
    await until('online reported', () => offlineStates.length === 2);
    const start = Date.now();
    await until('sync now', () => syncs.length === 1);
    expect(syncs[0]! - start).toBeGreaterThanOrEqual(40);
    // Flapping within a minute: the tray follows, but no more syncs.
    for (let i = 0; i < 3; i++) {
      online = false;
      await until('offline', () => offlineStates.at(-1) === true);
      online = true;
      await until('online', () => offlineStates.at(-1) === false);
    }
    await new Promise((r) => setTimeout(r, 250));
    expect(syncs).toHaveLength(1);
    t += 61_000;
    online = false;
    await until('offline', () => offlineStates.at(-1) === true);
    online = true;
    await until('second sync after a minute', () => syncs.length === 2);
    w.dispose();
  });

  it('reads Linux battery state from /sys/class/power_supply', async () => {
    const sys = join(work, 'sys');
    const supply = async (name: string, type: string, online?: string) => {
      await mkdir(join(sys, name), { recursive: true });
      await writeFile(join(sys, name, 'type'), `${type}\n`);
      if (online !== undefined) await writeFile(join(sys, name, 'online'), `${online}\n`);
    };
    expect(await linuxOnBattery(join(work, 'none'))).toBeNull();
    await supply('AC', 'Mains', '1');
    expect(await linuxOnBattery(sys)).toBe(false); // no battery at all: a desktop
    await supply('BAT0', 'Battery');
    expect(await linuxOnBattery(sys)).toBe(false);
    await writeFile(join(sys, 'AC', 'online'), '0\n');
    expect(await linuxOnBattery(sys)).toBe(true);
    await supply('ucsi-source-psy-USBC000:001', 'USB', '1');
    expect(await linuxOnBattery(sys)).toBe(false); // charging over USB-C

    // And the watcher polls it on Linux, pausing as the app.
    await writeFile(join(sys, 'ucsi-source-psy-USBC000:001', 'online'), '0\n');
    const w = watchPowerAndNetwork({
      powerMonitor: new FakePowerMonitor(),
      net: { isOnline: () => true },
      control: (op) => client.control(op),
      syncNow: async () => undefined,
      pauseOnBattery: () => true,
      platform: 'linux',
      powerSupplyDir: sys,
      pollMs: 20,
    });
    await until('app pause on Linux battery', async () => (await pause())?.by === 'app');
    await writeFile(join(sys, 'AC', 'online'), '1\n');
    await until('lifted on AC', async () => (await pause()) === null);
    w.dispose();
  });
});

/**
 * The desktop app's own preferences (not engine settings, so not config.json): `<config folder>/desktop.json`,
 * e.g. `{"pauseOnBattery": true}`. `BILANCIO_SYNC_PAUSE_ON_BATTERY=1|0` overrides the file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface DesktopPreferences {
  pauseOnBattery: boolean;
}

const DEFAULTS: DesktopPreferences = { pauseOnBattery: false };

export class Preferences {
  readonly file: string;
  private cached: DesktopPreferences | null = null;

  constructor(
    configDir: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.file = join(configDir, 'desktop.json');
  }

  get(): DesktopPreferences {
    if (!this.cached) {
      let raw: Partial<DesktopPreferences> = {};
      try {
        const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
        if (parsed && typeof parsed === 'object') raw = parsed as Partial<DesktopPreferences>;
      } catch {
        // none yet, or unreadable: the defaults
      }
      this.cached = { pauseOnBattery: raw.pauseOnBattery === true };
    }
    const env = this.env.BILANCIO_SYNC_PAUSE_ON_BATTERY;
    return {
      ...DEFAULTS,
      ...this.cached,
      ...(env === '1' || env === '0' ? { pauseOnBattery: env === '1' } : {}),
    };
  }

  set(changes: Partial<DesktopPreferences>): DesktopPreferences {
    const next = { ...this.get(), ...changes };
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`);
    renameSync(tmp, this.file);
    this.cached = next;
    return this.get();
  }
}

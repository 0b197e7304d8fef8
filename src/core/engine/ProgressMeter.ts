/**
 * Speed as an exponential moving average over samples, and an ETA from it. A single burst (a small file
 * written to the OS cache) must not make the ETA jump, so samples closer than 200 ms are merged.
 */
export class ProgressMeter {
  private lastAt: number;
  private lastBytes = 0;
  private speed: number | undefined;
  bytesDone = 0;

  constructor(
    public bytesTotal: number,
    private readonly now: () => number = Date.now,
    private readonly halfLifeMs = 3000,
  ) {
    this.lastAt = now();
  }

  /** Add `delta` finished bytes. */
  advance(delta: number): void {
    this.bytesDone += delta;
    const t = this.now();
    const dt = t - this.lastAt;
    if (dt < 200) return;
    const instant = ((this.bytesDone - this.lastBytes) * 1000) / dt;
    const weight = 1 - 0.5 ** (dt / this.halfLifeMs);
    this.speed = this.speed === undefined ? instant : this.speed + weight * (instant - this.speed);
    this.lastAt = t;
    this.lastBytes = this.bytesDone;
  }

  get bytesPerSecond(): number | undefined {
    return this.speed;
  }

  /** Seconds left, or null while the speed is unknown or zero. */
  get etaSeconds(): number | null {
    if (!this.speed || this.speed <= 0) return null;
    return Math.max(0, (this.bytesTotal - this.bytesDone) / this.speed);
  }
}

/**
 * A metric against a parameter, one line per value of a second parameter (e.g. the trading effect against
 * κ, one line per μ): the mean over the rows at each point, drawn with Observable Plot's line mark (one
 * path per colour value) and dots with a tip.
 */
import * as Plot from '@observablehq/plot';
import { useMemo, useState } from 'react';
import { LabelledSelect } from '../../../components/LabelledSelect';
import { type ColumnKinds, numericOrder, plotDefaults, type Row } from '../columns';
import { canLog, defaultXScale, meanByXAndColour } from './aggregate';
import { ColumnSelect } from './ColumnSelect';
import { usePlot } from './usePlot';

export function LinePlot({ rows, kinds, width }: { rows: Row[]; kinds: ColumnKinds; width: number }) {
  const defaults = plotDefaults(kinds);
  const [x, setX] = useState<string | null>(null);
  const [y, setY] = useState<string | null>(null);
  // undefined: not chosen yet (follow the defaults as rows arrive); null: one line.
  const [colour, setColour] = useState<string | null | undefined>(undefined);
  const xs = x && kinds.numeric.includes(x) ? x : defaults.x;
  const ys = y && kinds.numeric.includes(y) ? y : defaults.y;
  const cs =
    colour === undefined ? defaults.colour : colour && kinds.numeric.includes(colour) ? colour : null;
  const points = useMemo(() => (xs && ys ? meanByXAndColour(rows, xs, ys, cs) : []), [rows, xs, ys, cs]);
  // 'auto': log for a parameter spanning decades (κ 0.1…10), else linear; log only where every x > 0.
  const [scale, setScale] = useState<'auto' | 'log' | 'linear'>('auto');
  const auto = defaultXScale(points);
  const xScale = scale === 'auto' ? auto : scale === 'log' && canLog(points) ? 'log' : 'linear';
  const chart = useMemo(() => {
    if (!xs || !ys || points.length === 0) return null;
    const domain = numericOrder(points.map((p) => p.c));
    return Plot.plot({
      width,
      height: 360,
      marginLeft: 60,
      style: { background: 'transparent' },
      x: { label: xs, grid: true, type: xScale },
      y: { label: ys, grid: true },
      color: cs ? { type: 'ordinal', domain, label: cs, scheme: 'tableau10' } : undefined,
      marks: [
        Plot.ruleY([0], { strokeOpacity: 0.3 }),
        Plot.line(points, {
          x: 'x',
          y: 'y',
          stroke: cs ? 'c' : 'currentColor',
          z: cs ? 'c' : null,
          strokeWidth: 2,
        }),
        Plot.dot(points, {
          x: 'x',
          y: 'y',
          fill: cs ? 'c' : 'currentColor',
          r: 3,
          tip: true,
          title: (p: (typeof points)[number]) =>
            `${xs} = ${p.x}${cs ? `\n${cs} = ${p.c}` : ''}\n${ys} = ${p.y.toPrecision(6)}\n(mean of ${p.n} row${p.n === 1 ? '' : 's'})`,
        }),
      ],
    });
  }, [points, xs, ys, cs, width, xScale]);
  const { ref, legendRef } = usePlot(chart);
  return (
    <figure className="plot-figure">
      <figcaption className="plot-controls">
        <ColumnSelect
          label="Metric"
          value={ys}
          options={kinds.metrics.concat(kinds.parameters)}
          onChange={setY}
        />
        <ColumnSelect
          label="Against"
          value={xs}
          options={kinds.parameters.concat(kinds.metrics)}
          onChange={setX}
        />
        <ColumnSelect
          label="Colour by"
          value={cs}
          options={kinds.parameters}
          onChange={setColour}
          none="(one line)"
        />
        <LabelledSelect
          label="X axis"
          value={scale}
          onChange={(v) => setScale(v as 'auto' | 'log' | 'linear')}
        >
          <option value="auto">automatic ({auto})</option>
          <option value="linear">linear</option>
          <option value="log" disabled={!canLog(points)}>
            log{canLog(points) ? '' : ' (needs values > 0)'}
          </option>
        </LabelledSelect>
      </figcaption>
      {points.length === 0 ? <p className="muted">No numeric values to plot for these columns.</p> : null}
      <div ref={legendRef} className="plot-legend" />
      <div
        ref={ref}
        className="plot"
        data-testid="plot"
        data-x-scale={xScale}
        role="img"
        aria-label={xs && ys ? `Line chart of ${ys} by ${xs}${cs ? ` and ${cs}` : ''}` : 'No chart'}
      />
    </figure>
  );
}

/** A heatmap of a metric over two parameters (Plot's cell mark), the mean per cell, labelled when few. */
import * as Plot from '@observablehq/plot';
import { useMemo, useState } from 'react';
import { type ColumnKinds, numericOrder, plotDefaults, type Row } from '../columns';
import { meanByCell } from './aggregate';
import { ColumnSelect } from './ColumnSelect';
import { usePlot } from './usePlot';

/** Whether a value sits on the dark end of the colour scale (RdBu's ends, viridis' low end). */
function darkCell(v: number, values: number[], signed: boolean): boolean {
  if (signed) {
    const maxAbs = Math.max(...values.map(Math.abs)) || 1;
    return Math.abs(v) / maxAbs > 0.55;
  }
  const min = Math.min(...values);
  const max = Math.max(...values);
  return max === min ? false : (v - min) / (max - min) < 0.45;
}

export function Heatmap({ rows, kinds, width }: { rows: Row[]; kinds: ColumnKinds; width: number }) {
  const defaults = plotDefaults(kinds);
  const [x, setX] = useState<string | null>(null);
  const [y, setY] = useState<string | null>(null);
  const [metric, setMetric] = useState<string | null>(null);
  const xs = x && kinds.numeric.includes(x) ? x : defaults.x;
  const ys = y && kinds.numeric.includes(y) ? y : defaults.colour;
  const ms = metric && kinds.numeric.includes(metric) ? metric : defaults.y;
  const cells = useMemo(() => (xs && ys && ms ? meanByCell(rows, xs, ys, ms) : []), [rows, xs, ys, ms]);
  const chart = useMemo(() => {
    if (!xs || !ys || !ms || cells.length === 0) return null;
    const values = cells.map((c) => c.v);
    const signed = Math.min(...values) < 0 && Math.max(...values) > 0;
    const xDomain = numericOrder(cells.map((c) => c.x));
    const yDomain = numericOrder(cells.map((c) => c.y));
    return Plot.plot({
      width,
      height: Math.max(200, Math.min(520, 60 + yDomain.length * 40)),
      marginLeft: 60,
      padding: 0.04,
      style: { background: 'transparent' },
      x: { type: 'band', domain: xDomain, label: xs },
      y: { type: 'band', domain: yDomain.slice().reverse(), label: ys },
      color: signed
        ? { type: 'diverging', scheme: 'RdBu', pivot: 0, label: ms }
        : { scheme: 'viridis', label: ms },
      marks: [
        Plot.cell(cells, {
          x: 'x',
          y: 'y',
          fill: 'v',
          tip: true,
          title: (c: (typeof cells)[number]) =>
            `${xs} = ${c.x}\n${ys} = ${c.y}\n${ms} = ${c.v.toPrecision(6)}\n(mean of ${c.n} row${c.n === 1 ? '' : 's'})`,
        }),
        ...(cells.length <= 120
          ? [
              Plot.text(cells, {
                x: 'x',
                y: 'y',
                text: (c: (typeof cells)[number]) => Number(c.v.toPrecision(3)).toString(),
                // Light text on the dark end of the scale, dark text on the light end.
                fill: (c: (typeof cells)[number]) => (darkCell(c.v, values, signed) ? 'white' : 'black'),
                fontSize: 10,
              }),
            ]
          : []),
      ],
    });
  }, [cells, xs, ys, ms, width]);
  const { ref, legendRef } = usePlot(chart);
  return (
    <figure className="plot-figure">
      <figcaption className="plot-controls">
        <ColumnSelect
          label="Shade by"
          value={ms}
          options={kinds.metrics.concat(kinds.parameters)}
          onChange={setMetric}
        />
        <ColumnSelect label="Across" value={xs} options={kinds.parameters} onChange={setX} />
        <ColumnSelect label="Down" value={ys} options={kinds.parameters} onChange={setY} />
      </figcaption>
      {cells.length === 0 ? <p className="muted">No numeric values for a heatmap of these columns.</p> : null}
      <div ref={legendRef} className="plot-legend" />
      <div
        ref={ref}
        className="plot"
        data-testid="heatmap"
        role="img"
        aria-label={xs && ys && ms ? `Heatmap of ${ms} by ${xs} and ${ys}` : 'No heatmap'}
      />
    </figure>
  );
}

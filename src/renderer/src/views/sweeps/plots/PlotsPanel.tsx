/**
 * Plots a researcher would otherwise make in a notebook, over the rows of the table's current view: a
 * metric against a parameter (one line per value of another) and a heatmap over two parameters. Loaded on
 * demand (Observable Plot is most of the window's code). Axes and colours default to what the columns
 * suggest (parameters have few distinct values, metrics are the other numeric columns).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { classifyColumns, type Row } from '../columns';
import { Heatmap } from './Heatmap';
import { LinePlot } from './LinePlot';

function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(320, Math.floor(entry.contentRect.width)));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export function PlotsPanel({ columns, rows }: { columns: string[]; rows: Row[] }) {
  const kinds = useMemo(() => classifyColumns(columns, rows), [columns, rows]);
  const { ref, width } = useWidth();
  if (kinds.numeric.length === 0) return <p className="muted">These rows have no numeric columns to plot.</p>;
  return (
    <div className="plots" ref={ref}>
      <LinePlot rows={rows} kinds={kinds} width={Math.min(width, 900)} />
      <Heatmap rows={rows} kinds={kinds} width={Math.min(width, 900)} />
    </div>
  );
}

export default PlotsPanel;

/**
 * Puts an Observable Plot chart (built with Plot.plot, detached) into a div, replacing the last one, and
 * its colour legend into a second div beside it, so the chart's container holds exactly one `<svg>`.
 */
import type * as Plot from '@observablehq/plot';
import { useEffect, useRef } from 'react';

type Chart = ReturnType<typeof Plot.plot>;

export function usePlot(chart: Chart | null) {
  const ref = useRef<HTMLDivElement>(null);
  const legendRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const legend = chart?.legend('color');
    ref.current?.replaceChildren(...(chart ? [chart] : []));
    legendRef.current?.replaceChildren(...(legend ? [legend] : []));
    return () => {
      chart?.remove();
      legend?.remove();
    };
  }, [chart]);
  return { ref, legendRef };
}

import { describe, expect, it } from 'vitest';
import { layoutMarketChart } from './marketChart';

const size = { width: 428, height: 120, padding: 10 };

describe('layoutMarketChart', () => {
  it('scales observed and forecast into the box and joins the forecast to the last observation', () => {
    const chart = layoutMarketChart(
      [{ period: '2024-01', index: 100 }, { period: '2024-02', index: 110 }],
      [{ period: '2024-03', index: 115, lower: 105, upper: 130 }],
      size,
    )!;
    expect(chart.min).toBe(100);
    expect(chart.max).toBe(130);
    // x from 38 (padding + label room) to 418; y from 10 (max) to 110 (min).
    expect(chart.observed).toBe('M38.0,110.0 L228.0,76.7');
    expect(chart.forecast).toBe('M228.0,76.7 L418.0,60.0');
    expect(chart.band).toBe('M228.0,76.7 L418.0,10.0 L418.0,93.3 L228.0,76.7 Z');
    expect(chart.marks.map((m) => m.label)).toEqual(['2024-01', '2024-02', '2024-03']);
  });

  it('handles a flat single point and no data', () => {
    const chart = layoutMarketChart([{ period: '2024Q1', index: 100 }], [], size)!;
    expect(chart.forecast).toBe('');
    expect(chart.band).toBe('');
    expect(chart.min).toBe(99);
    expect(chart.max).toBe(101);
    expect(layoutMarketChart([], [], size)).toBeNull();
  });
});

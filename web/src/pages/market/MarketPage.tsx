import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { request } from '../../api/client';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import { layoutMarketChart, type ForecastPoint, type IndexPoint } from '../../lib/marketChart';
import { useAsync, useDocumentTitle } from '../../lib/useAsync';

/** The market page (/market): an area's price index with its forecast, and market statistics (docs/market.md, docs/web.md). */

type Level = 'city' | 'postal';
type Frequency = 'month' | 'quarter' | 'year';

interface Area { level: Level; name: string; listings: number; sold: number }
interface IndexResponse { currency: string; basePeriod: string; salesUsed: number; points: (IndexPoint & { standardError: number | null; sales: number })[] }
interface ForecastResponse { coverage: number; models: string[]; intervalMethod: string[]; points: ForecastPoint[] }
interface StatisticsRow {
  period: string; sold: number; newListings: number; inventory: number; medianPricePerM2: number | null;
  medianDaysOnMarket: number | null; absorptionRate: number | null; monthsOfSupply: number | null;
}
interface StatisticsResponse { currency: string | null; periods: StatisticsRow[] }

const size = { width: 640, height: 220, padding: 18 };
const frequencies: Frequency[] = ['month', 'quarter', 'year'];

function IndexChart({ index, forecast }: { index: IndexResponse; forecast: ForecastResponse | null }) {
  const chart = layoutMarketChart(index.points, forecast?.points ?? [], size);
  if (!chart) return null;
  const coverage = forecast ? Math.round(forecast.coverage * 100) : null;
  return (
    <figure className="price-chart" data-testid="market-index-chart">
      <svg viewBox={`0 0 ${size.width} ${size.height}`} role="img"
        aria-label={`Price index from ${chart.min.toFixed(0)} to ${chart.max.toFixed(0)} (100 = ${index.basePeriod})${forecast ? `, with a ${coverage}% forecast band` : ''}; figures in the tables below`}>
        {chart.ticks.map((tick) => (
          <g key={tick.value}>
            <line x1={46} x2={size.width - size.padding} y1={tick.y} y2={tick.y} className="chart-grid" />
            <text x={2} y={tick.y + 3} className="chart-label">{tick.value.toFixed(0)}</text>
          </g>
        ))}
        {chart.band && <path d={chart.band} className="market-band" data-testid="market-forecast-band" />}
        <path d={chart.observed} className="chart-line" fill="none" />
        {chart.forecast && <path d={chart.forecast} className="chart-line market-forecast-line" fill="none" />}
        {chart.marks.map((mark) => (
          <text key={mark.label} x={mark.x} y={size.height - 2} className="chart-label" textAnchor="middle">{mark.label}</text>
        ))}
      </svg>
      <figcaption className="chart-legend">
        <span>Index, 100 = {index.basePeriod} · {index.salesUsed.toLocaleString()} sales</span>
        {forecast && <span>Dashed: forecast ({forecast.models.join(' + ')}), shaded: {coverage}% interval</span>}
      </figcaption>
    </figure>
  );
}

function money(value: number | null, currency: string | null): string {
  if (value === null) return '–';
  return currency ? new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 0 }).format(value) : value.toFixed(0);
}

function StatisticsTable({ statistics }: { statistics: StatisticsResponse }) {
  const rows = statistics.periods.slice(-12).reverse();
  if (rows.length === 0) return <EmptyState title="No listing activity in this area yet" />;
  return (
    <table className="table table-compact" data-testid="market-statistics">
      <caption className="visually-hidden">Market statistics per period, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Period</th><th scope="col">Median price / m²</th><th scope="col">Sold</th><th scope="col">New listings</th>
          <th scope="col">Inventory</th><th scope="col">Median days on market</th><th scope="col">Absorption</th><th scope="col">Months of supply</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.period}>
            <td>{row.period}</td>
            <td>{money(row.medianPricePerM2, statistics.currency)}</td>
            <td>{row.sold}</td>
            <td>{row.newListings}</td>
            <td>{row.inventory}</td>
            <td>{row.medianDaysOnMarket ?? '–'}</td>
            <td>{row.absorptionRate === null ? '–' : `${(row.absorptionRate * 100).toFixed(0)}%`}</td>
            <td>{row.monthsOfSupply ?? '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ForecastTable({ forecast }: { forecast: ForecastResponse }) {
  return (
    <table className="table table-compact" data-testid="market-forecast-table">
      <caption className="visually-hidden">Index forecast with its interval</caption>
      <thead><tr><th scope="col">Period</th><th scope="col">Forecast</th><th scope="col">{Math.round(forecast.coverage * 100)}% interval</th></tr></thead>
      <tbody>
        {forecast.points.map((p) => (
          <tr key={p.period}><td>{p.period}</td><td>{p.index.toFixed(1)}</td><td>{p.lower.toFixed(1)} – {p.upper.toFixed(1)}</td></tr>
        ))}
      </tbody>
    </table>
  );
}

export function MarketPage() {
  useDocumentTitle('Market');
  const [params, setParams] = useSearchParams();
  const level: Level = params.get('level') === 'postal' ? 'postal' : 'city';
  const frequency: Frequency = frequencies.includes(params.get('frequency') as Frequency) ? (params.get('frequency') as Frequency) : 'month';
  const horizon = Math.min(12, Math.max(1, Number(params.get('horizon')) || 6));
  const areas = useAsync((signal) => request<{ items: Area[] }>('GET', '/market/areas', { query: { level }, signal }), [level]);
  const [area, setArea] = useState<string | null>(params.get('area'));
  useEffect(() => {
    const names = areas.data?.items.map((a) => a.name) ?? [];
    if (areas.status === 'success' && (!area || !names.includes(area))) setArea(areas.data.items.find((a) => a.sold > 0)?.name ?? names[0] ?? null);
  }, [areas.status, areas.data, area]);
  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) next.set(key, value);
    setParams(next, { replace: true });
  };
  const query = { level, area: area ?? undefined, frequency };
  const index = useAsync((signal) => (area ? request<IndexResponse>('GET', '/market/index', { query, signal }) : Promise.resolve(null)), [level, area, frequency]);
  const forecast = useAsync((signal) => (area ? request<ForecastResponse>('GET', '/market/forecast', { query: { ...query, horizon }, signal }) : Promise.resolve(null)), [level, area, frequency, horizon]);
  const statistics = useAsync((signal) => (area ? request<StatisticsResponse>('GET', '/market/statistics', { query, signal }) : Promise.resolve(null)), [level, area, frequency]);

  return (
    <div className="page market-page" data-testid="market-page">
      <h1 className="page-title">Market</h1>
      <p className="state-text">House price index (hedonic: constant-quality homes), forecast and market statistics from the sales and listings on Domus.</p>
      <form className="market-controls" onSubmit={(event) => event.preventDefault()}>
        <label className="field">
          <span className="field-label">Area type</span>
          <select className="input" data-testid="market-level" value={level} onChange={(e) => { setArea(null); update({ level: e.target.value }); }}>
            <option value="city">City</option>
            <option value="postal">Postal district</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">Area</span>
          <select className="input" data-testid="market-area" value={area ?? ''} disabled={!areas.data?.items.length}
            onChange={(e) => { setArea(e.target.value); update({ area: e.target.value }); }}>
            {(areas.data?.items ?? []).map((a) => <option key={a.name} value={a.name}>{a.name} ({a.sold} sold)</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Period</span>
          <select className="input" data-testid="market-frequency" value={frequency} onChange={(e) => update({ frequency: e.target.value })}>
            {frequencies.map((f) => <option key={f} value={f}>{f}</option>)}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Forecast periods</span>
          <select className="input" data-testid="market-horizon" value={horizon} onChange={(e) => update({ horizon: e.target.value })}>
            {Array.from({ length: 12 }, (_, i) => i + 1).map((h) => <option key={h} value={h}>{h}</option>)}
          </select>
        </label>
      </form>
      {areas.status === 'error' && <ErrorState title="We couldn’t load the market areas" error={areas.error} onRetry={areas.reload} />}
      {areas.status === 'success' && areas.data.items.length === 0 && <EmptyState title="No sales on Domus yet">Market figures appear once listings are sold or sales are imported.</EmptyState>}
      {area && (
        <section className="card" aria-labelledby="market-index-title">
          <h2 id="market-index-title" className="card-head">Price index — {area}</h2>
          {index.status === 'loading' && <Spinner label="Computing the index" />}
          {index.status === 'error' && <ErrorState title="No index for this area" error={index.error} onRetry={index.reload} />}
          {index.status === 'success' && index.data && <IndexChart index={index.data} forecast={forecast.status === 'success' ? forecast.data : null} />}
          {forecast.status === 'success' && forecast.data && <ForecastTable forecast={forecast.data} />}
          {index.status === 'success' && forecast.status === 'error' && (
            <p className="state-text" data-testid="market-forecast-unavailable">No forecast: {forecast.error.userMessage}</p>
          )}
        </section>
      )}
      {area && (
        <section className="card" aria-labelledby="market-stats-title">
          <h2 id="market-stats-title" className="card-head">Market statistics — {area}</h2>
          {statistics.status === 'loading' && <Spinner label="Loading statistics" />}
          {statistics.status === 'error' && <ErrorState title="We couldn’t load the statistics" error={statistics.error} onRetry={statistics.reload} />}
          {statistics.status === 'success' && statistics.data && <StatisticsTable statistics={statistics.data} />}
        </section>
      )}
    </div>
  );
}

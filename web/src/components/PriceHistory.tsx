import type { ListingKind, PriceHistoryEntry } from '../api/types';
import { formatDate } from '../lib/format';
import { formatCompactMoney, formatListingPrice } from '../lib/money';
import { layoutPriceChart } from '../lib/priceChart';

const size = { width: 560, height: 170, padding: 18 };

export function PriceHistory({ entries, kind }: { entries: PriceHistoryEntry[]; kind: ListingKind }) {
  const sorted = entries.slice().sort((a, b) => Date.parse(b.changedAt) - Date.parse(a.changedAt));
  const chart = entries.length > 1 ? layoutPriceChart(entries, size) : null;
  const currency = entries[0]?.price.currency ?? 'EUR';
  return (
    <div className="price-history" data-testid="price-history">
      {chart && (
        <figure className="price-chart">
          <svg
            viewBox={`0 0 ${size.width} ${size.height}`}
            role="img"
            aria-label={`Asking price from ${formatCompactMoney({ amountMinor: chart.minAmount, currency })} to ${formatCompactMoney({ amountMinor: chart.maxAmount, currency })}; details in the table below`}
          >
            <line x1={size.padding} x2={size.width - size.padding} y1={size.padding} y2={size.padding} className="chart-grid" />
            <line
              x1={size.padding}
              x2={size.width - size.padding}
              y1={size.height - size.padding}
              y2={size.height - size.padding}
              className="chart-grid"
            />
            <text x={size.padding + 4} y={size.padding - 4} className="chart-label">
              {formatCompactMoney({ amountMinor: chart.maxAmount, currency })}
            </text>
            <text x={size.padding + 4} y={size.height - size.padding + 12} className="chart-label">
              {formatCompactMoney({ amountMinor: chart.minAmount, currency })}
            </text>
            <path d={chart.path} className="chart-line" fill="none" />
            {chart.points.map((point) => (
              <circle key={point.entry.changedAt} cx={point.x} cy={point.y} r="4" className="chart-point" />
            ))}
          </svg>
          <figcaption className="chart-legend">
            <span>
              Asking price range {formatCompactMoney({ amountMinor: chart.minAmount, currency })} –{' '}
              {formatCompactMoney({ amountMinor: chart.maxAmount, currency })}
            </span>
            <span>
              {formatDate(chart.points[0]?.entry.changedAt)} – today
            </span>
          </figcaption>
        </figure>
      )}
      <table className="table table-compact">
        <caption className="visually-hidden">Asking price changes, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Asking price</th>
            <th scope="col">Change</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((entry, index) => {
            const previous = sorted[index + 1];
            const change = previous ? entry.price.amountMinor - previous.price.amountMinor : null;
            const percent = previous && previous.price.amountMinor > 0 && change !== null ? (change / previous.price.amountMinor) * 100 : null;
            return (
              <tr key={`${entry.changedAt}-${index}`}>
                <td>{formatDate(entry.changedAt)}</td>
                <td>{formatListingPrice(entry.price, kind)}</td>
                <td className={change === null ? '' : change < 0 ? 'change-down' : change > 0 ? 'change-up' : ''}>
                  {change === null
                    ? 'Listed'
                    : change === 0
                      ? 'No change'
                      : `${change > 0 ? '+' : '−'}${percent === null ? '' : `${Math.abs(percent).toFixed(1)}%`}`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

import { energyLabels, listingKinds, propertyTypes, type SearchFacets } from '../../api/types';
import { energyClass } from '../../components/ListingCard';
import { Field } from '../../components/ui';
import { propertyTypeLabel } from '../../lib/format';
import { majorToMinor, minorToMajorInput } from '../../lib/money';
import { activeFilterCount, bedroomsAtLeast, emptyFilters, type SearchFilters } from '../../lib/searchFilters';
import { NumberFilterInput } from './NumberFilterInput';

const priceCurrency = 'EUR';
const formatPrice = (minor: number) => minorToMajorInput(minor, priceCurrency);
const parsePrice = (text: string) => (text.trim() === '' ? null : (majorToMinor(text, priceCurrency) ?? undefined));

function FacetCount({ count }: { count: number | undefined }) {
  if (count === undefined) return null;
  return (
    <span className="facet-count">
      <span className="visually-hidden">(</span>
      {count}
      <span className="visually-hidden"> results)</span>
    </span>
  );
}

function toggle<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((value) => value !== item) : [...list, item];
}

export function FiltersPanel({
  filters,
  facets,
  onChange,
}: {
  filters: SearchFilters;
  facets: SearchFacets | undefined;
  onChange: (next: SearchFilters) => void;
}) {
  const kindLabels = { sale: 'For sale', rent: 'For rent' } as const;
  const count = activeFilterCount(filters);
  return (
    <form className="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()} data-testid="filters">
      <div className="filters-head">
        <h2 className="filters-title">Filters</h2>
        {count > 0 && (
          <button
            type="button"
            className="link-button"
            data-testid="clear-filters"
            onClick={() => onChange({ ...emptyFilters, q: filters.q, sort: filters.sort })}
          >
            Clear all
          </button>
        )}
      </div>

      {filters.bbox && (
        <div className="filter-chip-row">
          <span className="filter-chip">
            Within the map area
            <button
              type="button"
              className="chip-remove"
              aria-label="Remove map area filter"
              data-testid="clear-bbox"
              onClick={() => onChange({ ...filters, bbox: null })}
            >
              ×
            </button>
          </span>
        </div>
      )}

      <fieldset className="filter-group">
        <legend>Listing type</legend>
        <div className="segmented" role="radiogroup" aria-label="Listing type">
          {([null, ...listingKinds] as const).map((kind) => (
            <label key={kind ?? 'any'} className={`segmented-option ${filters.kind === kind ? 'is-selected' : ''}`}>
              <input
                type="radio"
                name="kind"
                value={kind ?? ''}
                checked={filters.kind === kind}
                data-testid={`filter-kind-${kind ?? 'any'}`}
                onChange={() => onChange({ ...filters, kind })}
              />
              <span>{kind ? kindLabels[kind] : 'Any'}</span>
              {kind && <FacetCount count={facets?.kind?.[kind]} />}
            </label>
          ))}
        </div>
      </fieldset>

      <fieldset className="filter-group">
        <legend>Property type</legend>
        <ul className="check-list">
          {propertyTypes.map((type) => (
            <li key={type}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={filters.propertyTypes.includes(type)}
                  data-testid={`filter-type-${type}`}
                  onChange={() => onChange({ ...filters, propertyTypes: toggle(filters.propertyTypes, type) })}
                />
                <span>{propertyTypeLabel(type)}</span>
                <FacetCount count={facets?.propertyType ? (facets.propertyType[type] ?? 0) : undefined} />
              </label>
            </li>
          ))}
        </ul>
      </fieldset>

      <fieldset className="filter-group">
        <legend>Price</legend>
        <div className="field-row">
          <Field label="Minimum">
            {(props) => (
              <NumberFilterInput
                {...props}
                value={filters.minPrice}
                format={formatPrice}
                parse={parsePrice}
                placeholder="No min"
                inputMode="decimal"
                testId="filter-min-price"
                onCommit={(minPrice) => onChange({ ...filters, minPrice })}
              />
            )}
          </Field>
          <Field label="Maximum">
            {(props) => (
              <NumberFilterInput
                {...props}
                value={filters.maxPrice}
                format={formatPrice}
                parse={parsePrice}
                placeholder="No max"
                inputMode="decimal"
                testId="filter-max-price"
                onCommit={(maxPrice) => onChange({ ...filters, maxPrice })}
              />
            )}
          </Field>
        </div>
      </fieldset>

      <div className="field-row">
        <Field label="Bedrooms">
          {(props) => (
            <select
              {...props}
              className="input"
              value={filters.minBedrooms ?? ''}
              data-testid="filter-min-bedrooms"
              onChange={(event) =>
                onChange({ ...filters, minBedrooms: event.target.value === '' ? null : Number(event.target.value) })
              }
            >
              <option value="">Any</option>
              {[1, 2, 3, 4, 5].map((minimum) => {
                const facetCount = bedroomsAtLeast(facets?.bedrooms, minimum);
                return (
                  <option key={minimum} value={minimum}>
                    {minimum}+{facetCount !== undefined ? ` (${facetCount})` : ''}
                  </option>
                );
              })}
            </select>
          )}
        </Field>
        <Field label="Min. living area (m²)">
          {(props) => (
            <NumberFilterInput
              {...props}
              value={filters.minArea}
              placeholder="Any"
              testId="filter-min-area"
              onCommit={(minArea) => onChange({ ...filters, minArea })}
            />
          )}
        </Field>
      </div>

      <fieldset className="filter-group">
        <legend>Energy label</legend>
        <div className="energy-options">
          {energyLabels.map((label) => {
            const selected = filters.energyLabels.includes(label);
            const facetCount = facets?.energyLabel ? (facets.energyLabel[label] ?? 0) : undefined;
            return (
              <label key={label} className={`energy-option ${selected ? 'is-selected' : ''}`}>
                <input
                  type="checkbox"
                  checked={selected}
                  data-testid={`filter-energy-${label}`}
                  onChange={() => onChange({ ...filters, energyLabels: toggle(filters.energyLabels, label) })}
                />
                <span className={`energy energy-${energyClass(label)}`}>{label}</span>
                <FacetCount count={facetCount} />
              </label>
            );
          })}
        </div>
      </fieldset>
    </form>
  );
}

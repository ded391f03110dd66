import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api/endpoints';
import { isAbortError } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Listing, SearchFacets, SearchSort } from '../../api/types';
import { ListingCard, ListingCardSkeleton } from '../../components/ListingCard';
import { SearchMap } from '../../components/SearchMap';
import { EmptyState, ErrorState, Spinner } from '../../components/ui';
import { useDocumentTitle } from '../../lib/useAsync';
import {
  activeFilterCount,
  emptyFilters,
  filtersToSearchParams,
  parseFilters,
  searchRequestParams,
  type BBox,
  type SearchFilters,
} from '../../lib/searchFilters';
import { FiltersPanel } from './FiltersPanel';
import { SaveSearch } from './SaveSearch';

const pageSize = 24;

interface Results {
  items: Listing[];
  nextCursor: string | null;
  facets: SearchFacets | undefined;
}

type ResultsState =
  | { status: 'loading'; results: Results | null }
  | { status: 'success'; results: Results }
  | { status: 'error'; results: Results | null; error: ApiError };

const sortOptions: { value: SearchSort; label: string; needsQuery?: boolean }[] = [
  { value: 'relevance', label: 'Best match', needsQuery: true },
  { value: 'newest', label: 'Newest' },
  { value: 'price_asc', label: 'Price: low to high' },
  { value: 'price_desc', label: 'Price: high to low' },
  { value: 'area_desc', label: 'Largest first' },
];

/** The result count, when the kind facet tells it (each listing has exactly one kind). */
function totalFromFacets(facets: SearchFacets | undefined, kind: SearchFilters['kind']): number | null {
  if (!facets?.kind) return null;
  // Servers may count facets without their own filter (disjunctive facets), so read the selected bucket.
  if (kind) return facets.kind[kind] ?? 0;
  return Object.values(facets.kind).reduce((sum, count) => sum + count, 0);
}

export function SearchPage() {
  const [searchParams, setSearchParams] = useSearchParams();
  const navigate = useNavigate();
  const queryString = searchParams.toString();
  const filters = useMemo(() => parseFilters(new URLSearchParams(queryString)), [queryString]);
  const requestKey = searchRequestParams(filters).toString();
  const [state, setState] = useState<ResultsState>({ status: 'loading', results: null });
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadMoreError, setLoadMoreError] = useState<ApiError | null>(null);
  const [highlightedId, setHighlightedId] = useState<string | null>(null);
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [queryText, setQueryText] = useState(filters.q);
  const loadMoreController = useRef<AbortController | null>(null);

  useDocumentTitle(filters.q ? `“${filters.q}” · Search` : 'Find a home');

  useEffect(() => setQueryText(filters.q), [filters.q]);

  const setFilters = useCallback(
    (next: SearchFilters) => {
      setSearchParams(filtersToSearchParams(next));
    },
    [setSearchParams],
  );

  useEffect(() => {
    const controller = new AbortController();
    loadMoreController.current?.abort();
    setLoadingMore(false);
    setLoadMoreError(null);
    setState((previous) => ({ status: 'loading', results: previous.results }));
    api.searchListings(searchRequestParams(filters, { limit: pageSize, facets: true }), controller.signal).then(
      (page) => {
        setState({ status: 'success', results: { items: page.items, nextCursor: page.nextCursor, facets: page.facets } });
      },
      (error: unknown) => {
        if (isAbortError(error) || controller.signal.aborted) return;
        setState((previous) => ({ status: 'error', results: previous.results, error: toApiError(error) }));
      },
    );
    return () => controller.abort();
    // requestKey captures every filter that reaches the API.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [requestKey, attempt]);

  const loadMore = async () => {
    const current = state.status === 'success' ? state.results : null;
    if (!current?.nextCursor) return;
    const controller = new AbortController();
    loadMoreController.current = controller;
    setLoadingMore(true);
    setLoadMoreError(null);
    try {
      const page = await api.searchListings(
        searchRequestParams(filters, { limit: pageSize, cursor: current.nextCursor }),
        controller.signal,
      );
      if (controller.signal.aborted) return;
      setState({
        status: 'success',
        results: { items: [...current.items, ...page.items], nextCursor: page.nextCursor, facets: current.facets },
      });
    } catch (error) {
      if (!isAbortError(error) && !controller.signal.aborted) setLoadMoreError(toApiError(error));
    } finally {
      if (!controller.signal.aborted) setLoadingMore(false);
    }
  };

  const results = state.results;
  const items = results?.items ?? [];
  const total = totalFromFacets(results?.facets, filters.kind);
  const filterCount = activeFilterCount(filters);
  const sortValue = filters.sort ?? (filters.q ? 'relevance' : 'newest');
  const firstLoad = state.status === 'loading' && !results;

  const onSearchArea = useCallback((bbox: BBox) => setFilters({ ...filters, bbox }), [filters, setFilters]);
  const onOpenListing = useCallback((id: string) => navigate(`/listings/${id}`), [navigate]);

  let summary: string;
  if (state.status === 'loading') summary = 'Searching…';
  else if (state.status === 'error') summary = 'Search failed';
  else if (total !== null) summary = `${new Intl.NumberFormat().format(total)} ${total === 1 ? 'home' : 'homes'}`;
  else summary = `${items.length}${results?.nextCursor ? '+' : ''} ${items.length === 1 ? 'home' : 'homes'}`;

  return (
    <div className="search-page">
      <section className="search-hero" aria-label="Search">
        <form
          className="search-bar"
          role="search"
          onSubmit={(event) => {
            event.preventDefault();
            setFilters({ ...filters, q: queryText });
          }}
        >
          <label htmlFor="search-query" className="visually-hidden">
            Search by place, street or keyword
          </label>
          <svg className="search-bar-icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
            <circle cx="11" cy="11" r="7" />
            <path d="m20 20-4-4" strokeLinecap="round" />
          </svg>
          <input
            id="search-query"
            name="q"
            type="search"
            className="search-bar-input"
            placeholder="City, neighbourhood, street or keyword"
            value={queryText}
            onChange={(event) => setQueryText(event.target.value)}
            data-testid="search-query"
            autoComplete="off"
          />
          <button type="submit" className="button button-primary" data-testid="search-submit">
            Search
          </button>
        </form>
      </section>

      <div className="search-toolbar">
        <p className="results-summary" aria-live="polite" data-testid="results-summary">
          <strong>{summary}</strong>
          {filters.q && state.status === 'success' && <span> for “{filters.q}”</span>}
        </p>
        <div className="search-toolbar-actions">
          <button
            type="button"
            className="button button-secondary filters-toggle"
            aria-expanded={filtersOpen}
            aria-controls="search-filters"
            onClick={() => setFiltersOpen((open) => !open)}
            data-testid="filters-toggle"
          >
            Filters{filterCount > 0 ? ` (${filterCount})` : ''}
          </button>
          <label className="sort-control">
            <span>Sort</span>
            <select
              className="input"
              value={sortValue}
              data-testid="search-sort"
              onChange={(event) => setFilters({ ...filters, sort: event.target.value as SearchSort })}
            >
              {sortOptions
                .filter((option) => !option.needsQuery || filters.q)
                .map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
            </select>
          </label>
          <SaveSearch filters={filters} />
        </div>
      </div>

      <div className="search-layout">
        <aside id="search-filters" className={`search-filters ${filtersOpen ? 'is-open' : ''}`}>
          <FiltersPanel filters={filters} facets={results?.facets} onChange={setFilters} />
        </aside>

        <section
          className="search-results"
          aria-label="Results"
          aria-busy={state.status === 'loading'}
          data-testid="search-results"
        >
          {state.status === 'loading' && results && <div className="progress-bar" aria-hidden="true" />}
          {state.status === 'error' && (
            <ErrorState title="We couldn’t load listings" error={state.error} onRetry={() => setAttempt((value) => value + 1)} />
          )}
          {firstLoad && (
            <div className="listing-list">
              {Array.from({ length: 6 }, (_, index) => (
                <ListingCardSkeleton key={index} />
              ))}
            </div>
          )}
          {state.status === 'success' && items.length === 0 && (
            <EmptyState
              title="No homes match your search"
              action={
                filterCount > 0 || filters.q ? (
                  <button
                    type="button"
                    className="button button-secondary"
                    onClick={() => setFilters(emptyFilters)}
                    data-testid="empty-clear-filters"
                  >
                    Clear search and filters
                  </button>
                ) : undefined
              }
            >
              {filterCount > 0 || filters.q ? (
                <p>Try a wider price range, fewer filters, or zoom the map out.</p>
              ) : (
                <p>There are no published listings yet. Agencies can publish them from the workspace.</p>
              )}
            </EmptyState>
          )}
          {items.length > 0 && state.status !== 'error' && (
            <>
              <div className={`listing-list ${state.status === 'loading' ? 'is-stale' : ''}`}>
                {items.map((listing) => (
                  <ListingCard
                    key={listing.id}
                    listing={listing}
                    highlighted={listing.id === highlightedId}
                    onHover={setHighlightedId}
                  />
                ))}
              </div>
              <div className="load-more">
                {loadMoreError && (
                  <p className="field-error" role="alert">
                    {loadMoreError.userMessage}
                  </p>
                )}
                {results?.nextCursor && state.status === 'success' && (
                  <button
                    type="button"
                    className="button button-secondary"
                    onClick={() => void loadMore()}
                    disabled={loadingMore}
                    data-testid="load-more"
                  >
                    {loadingMore ? <Spinner size="sm" label="Loading more" /> : loadMoreError ? 'Try again' : 'Show more homes'}
                  </button>
                )}
                {!results?.nextCursor && state.status === 'success' && items.length > pageSize / 2 && (
                  <p className="muted">You’ve seen all {items.length} results.</p>
                )}
              </div>
            </>
          )}
        </section>

        <section className="search-map-pane" aria-label="Map">
          <SearchMap
            listings={items}
            bbox={filters.bbox}
            highlightedId={highlightedId}
            onHighlight={setHighlightedId}
            onSearchArea={onSearchArea}
            onOpenListing={onOpenListing}
          />
        </section>
      </div>
    </div>
  );
}

import { useState } from 'react';
import { Link, Navigate, useLocation } from 'react-router-dom';
import { api } from '../api/endpoints';
import { toApiError, type ApiError } from '../api/errors';
import type { SavedSearch } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { EmptyState, ErrorState, Skeleton, Spinner } from '../components/ui';
import { formatDate } from '../lib/format';
import { describeFilters, filtersToSearchParams, parseFilters } from '../lib/searchFilters';
import { useAsync, useDocumentTitle } from '../lib/useAsync';

function queryToParams(query: SavedSearch['query']): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === null || value === undefined) continue;
    params.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  return params;
}

function SavedSearchList() {
  const saved = useAsync((signal) => api.savedSearches(signal), []);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  if (saved.status === 'loading' && !saved.data) {
    return (
      <div aria-busy="true">
        <Spinner label="Loading saved searches" />
        {[0, 1, 2].map((index) => (
          <Skeleton key={index} className="skeleton-row" />
        ))}
      </div>
    );
  }
  if (saved.status === 'error') {
    return <ErrorState title="We couldn’t load your saved searches" error={saved.error} onRetry={saved.reload} />;
  }
  const items = saved.data?.items ?? [];
  if (items.length === 0) {
    return (
      <EmptyState title="No saved searches yet" action={<Link to="/" className="button button-primary">Start searching</Link>}>
        <p>Set the filters you care about on the search page and choose “Save this search” to keep them here.</p>
      </EmptyState>
    );
  }
  return (
    <>
      <div aria-live="assertive">
        {error && (
          <p className="alert alert-error" role="alert">
            {error.userMessage}
          </p>
        )}
      </div>
      <ul className="saved-list" data-testid="saved-searches">
        {items.map((item) => {
          // Normalise through the filter parser so links only carry parameters the search page knows.
          const filters = parseFilters(queryToParams(item.query));
          const search = filtersToSearchParams(filters).toString();
          return (
            <li key={item.id} className="saved-item card" data-testid="saved-search-item" data-saved-search-id={item.id}>
              <div className="saved-item-main">
                <h2 className="saved-item-name">
                  <Link to={`/${search ? `?${search}` : ''}`}>{item.name}</Link>
                </h2>
                <p className="muted small">
                  {describeFilters(filters)}
                  {item.createdAt ? ` · saved ${formatDate(item.createdAt)}` : ''}
                </p>
              </div>
              <div className="saved-item-actions">
                <Link to={`/${search ? `?${search}` : ''}`} className="button button-secondary button-small">
                  Run search
                </Link>
                <button
                  type="button"
                  className="button button-ghost button-small button-danger-text"
                  disabled={deleting === item.id}
                  aria-label={`Delete saved search ${item.name}`}
                  data-testid="saved-search-delete"
                  onClick={async () => {
                    setDeleting(item.id);
                    setError(null);
                    try {
                      await api.deleteSavedSearch(item.id);
                      saved.setData({
                        items: items.filter((entry) => entry.id !== item.id),
                        nextCursor: saved.data?.nextCursor ?? null,
                      });
                    } catch (caught) {
                      setError(toApiError(caught));
                    } finally {
                      setDeleting(null);
                    }
                  }}
                >
                  {deleting === item.id ? <Spinner size="sm" label="Deleting" /> : 'Delete'}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function SavedSearchesPage() {
  useDocumentTitle('Saved searches');
  const { auth } = useAuth();
  const location = useLocation();
  if (auth.status === 'loading') {
    return (
      <div className="page-narrow page-center">
        <Spinner label="Checking your session" />
      </div>
    );
  }
  if (auth.status === 'signedOut') return <Navigate to={`/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  return (
    <div className="page-narrow">
      <h1 className="page-title">Saved searches</h1>
      <SavedSearchList />
    </div>
  );
}

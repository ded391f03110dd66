import { useEffect, useId, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { api } from '../../api/endpoints';
import { groupFieldProblems, toApiError, type ApiError } from '../../api/errors';
import { useAuth } from '../../auth/AuthContext';
import { Spinner } from '../../components/ui';
import { describeFilters, filtersToQuery, type SearchFilters } from '../../lib/searchFilters';

/** "Save this search": a small inline form for signed-in users, a log-in prompt otherwise. */
export function SaveSearch({ filters }: { filters: SearchFilters }) {
  const { auth } = useAuth();
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [savedName, setSavedName] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement | null>(null);
  const nameId = useId();
  const queryKey = JSON.stringify(filtersToQuery(filters));

  // A different search is a different thing to save.
  useEffect(() => {
    setSavedName(null);
    setError(null);
  }, [queryKey]);

  useEffect(() => {
    if (open) inputRef.current?.focus();
  }, [open]);

  if (auth.status !== 'signedIn') {
    if (auth.status === 'loading') return null;
    return (
      <Link
        className="button button-secondary"
        to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`}
        data-testid="save-search-login"
      >
        Log in to save this search
      </Link>
    );
  }

  if (savedName) {
    return (
      <p className="save-search-done" role="status" data-testid="save-search-done">
        Saved as “{savedName}”. <Link to="/saved-searches">View saved searches</Link>
      </p>
    );
  }

  if (!open) {
    return (
      <button
        type="button"
        className="button button-secondary"
        data-testid="save-search-button"
        onClick={() => {
          setName(describeFilters(filters));
          setOpen(true);
        }}
      >
        <svg className="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" aria-hidden="true">
          <path d="M6 3h12v18l-6-4-6 4z" strokeLinejoin="round" />
        </svg>
        Save this search
      </button>
    );
  }

  const nameError = error ? groupFieldProblems(error.fieldProblems, ['name']).byField.name : undefined;
  return (
    <form
      className="save-search-form"
      data-testid="save-search-form"
      onSubmit={async (event) => {
        event.preventDefault();
        setSaving(true);
        setError(null);
        try {
          const trimmed = name.trim() || describeFilters(filters);
          await api.createSavedSearch({ name: trimmed, query: filtersToQuery(filters) });
          setSavedName(trimmed);
          setOpen(false);
        } catch (caught) {
          setError(toApiError(caught));
        } finally {
          setSaving(false);
        }
      }}
    >
      <label htmlFor={nameId} className="visually-hidden">
        Name for this saved search
      </label>
      <input
        id={nameId}
        ref={inputRef}
        className="input"
        value={name}
        maxLength={120}
        onChange={(event) => setName(event.target.value)}
        data-testid="save-search-name"
        aria-invalid={nameError ? true : undefined}
        aria-describedby={error ? `${nameId}-error` : undefined}
      />
      <button type="submit" className="button button-primary" disabled={saving} data-testid="save-search-submit">
        {saving ? <Spinner size="sm" label="Saving" /> : 'Save'}
      </button>
      <button type="button" className="button button-ghost" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <div aria-live="assertive" className="save-search-error">
        {error && (
          <p id={`${nameId}-error`} className="field-error" role="alert">
            {nameError ?? error.userMessage}
          </p>
        )}
      </div>
    </form>
  );
}

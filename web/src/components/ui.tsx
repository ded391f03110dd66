import { useId, type CSSProperties, type ReactNode } from 'react';
import type { ApiError, FieldProblem } from '../api/errors';
import type { ListingKind, ListingStatus } from '../api/types';
import { statusLabel } from '../lib/format';

export function Spinner({ label = 'Loading', size = 'md' }: { label?: string; size?: 'sm' | 'md' }) {
  return (
    <span className={`spinner spinner-${size}`} role="status">
      <span className="visually-hidden">{label}</span>
    </span>
  );
}

export function Skeleton({ className = '', style }: { className?: string; style?: CSSProperties }) {
  return <span className={`skeleton ${className}`} style={style} aria-hidden="true" />;
}

export function ErrorState({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: ApiError;
  title?: string;
  onRetry?: () => void;
}) {
  return (
    <div className="state state-error" role="alert" data-testid="error-state">
      <IconAlert />
      <h2 className="state-title">{title}</h2>
      <p className="state-text">{error.userMessage}</p>
      {onRetry && (
        <button type="button" className="button button-secondary" onClick={onRetry} data-testid="retry-button">
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="state state-empty" data-testid="empty-state">
      <IconHouse />
      <h2 className="state-title">{title}</h2>
      {children && <div className="state-text">{children}</div>}
      {action}
    </div>
  );
}

export function StatusBadge({ status, kind }: { status: ListingStatus; kind?: ListingKind }) {
  return (
    <span className={`badge badge-status badge-${status}`} data-testid="listing-status" data-status={status}>
      {statusLabel(status, kind)}
    </span>
  );
}

export function SyntheticLabel() {
  return (
    <span
      className="badge badge-synthetic"
      title="Generated for demonstration; not a real property"
      data-testid="synthetic-label"
    >
      Synthetic demo listing
    </span>
  );
}

export interface ControlProps {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A labelled form control with an optional hint and a server error shown beside it. The
 * control receives the ids that tie it to its label, hint and error for screen readers.
 */
export function Field({
  label,
  error,
  hint,
  optional,
  className = '',
  children,
}: {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  optional?: boolean;
  className?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint && !error ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field ${error ? 'field-invalid' : ''} ${className}`}>
      <label className="field-label" htmlFor={id}>
        {label}
        {optional && <span className="field-optional"> (optional)</span>}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && !error && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId} data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The form-level error: always in the DOM so screen readers announce changes. Shows the
 * problem's message and any field problems no visible field claimed.
 */
export function FormError({
  error,
  unmatched = [],
  fieldErrorCount = 0,
}: {
  error: ApiError | null;
  unmatched?: FieldProblem[];
  fieldErrorCount?: number;
}) {
  return (
    <div aria-live="assertive" className="form-error-region">
      {error && (
        <div className="alert alert-error" role="alert" data-testid="form-error">
          <strong>{fieldErrorCount > 0 ? 'Please correct the highlighted fields.' : error.title}</strong>
          {fieldErrorCount === 0 && error.detail && error.detail !== error.title && <p>{error.detail}</p>}
          {unmatched.length > 0 && (
            <ul>
              {unmatched.map((problem) => (
                <li key={`${problem.path}:${problem.message}`}>
                  {problem.path ? <code>{problem.path}</code> : null} {problem.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

export function IconHouse({ className = 'state-icon' }: { className?: string }) {
  return (
    <svg className={className} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
      <path d="M3 10.5 12 3l9 7.5" strokeLinecap="round" strokeLinejoin="round" />
      <path d="M5 9.5V20a1 1 0 0 0 1 1h4v-6h4v6h4a1 1 0 0 0 1-1V9.5" strokeLinejoin="round" />
    </svg>
  );
}

export function IconAlert({ className = 'state-icon' }: { className?: string }) {
  return (
    <svg className={className} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
      <circle cx="12" cy="12" r="9" />
      <path d="M12 7.5v5.5M12 16.5v.01" strokeLinecap="round" />
    </svg>
  );
}

export function IconBed() {
  return (
    <svg className="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.7" aria-hidden="true">
      <path d="M3 18v-8m0 4h18m0 4v-5a3 3 0 0 0-3-3h-7v4" strokeLinecap="round" strokeLinejoin="round" />
      <circle cx="7" cy="11.5" r="1.5" />
    </svg>
  );
}

export function IconBath() {
  return (
    <svg className="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.7" aria-hidden="true">
      <path d="M4 12h16v2a5 5 0 0 1-5 5H9a5 5 0 0 1-5-5zM6 12V6a2 2 0 0 1 3.7-1M7 19l-1 2m11-2 1 2" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function IconArea() {
  return (
    <svg className="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.7" aria-hidden="true">
      <rect x="4" y="4" width="16" height="16" rx="1.5" />
      <path d="M4 9h5V4m11 11h-5v5" strokeLinejoin="round" />
    </svg>
  );
}

export function IconPin() {
  return (
    <svg className="icon" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.7" aria-hidden="true">
      <path d="M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z" strokeLinejoin="round" />
      <circle cx="12" cy="9.5" r="2.5" />
    </svg>
  );
}

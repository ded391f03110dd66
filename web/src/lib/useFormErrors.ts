import { useMemo, useState } from 'react';
import { groupFieldProblems, toApiError, type ApiError, type FieldProblem } from '../api/errors';

export interface FormErrors {
  error: ApiError | null;
  byField: Record<string, string>;
  unmatched: FieldProblem[];
  fieldErrorCount: number;
  setError: (error: unknown) => void;
  clear: () => void;
}

/** Holds a form's last server error, split into per-field messages and the rest. */
export function useFormErrors(fields: readonly string[], aliases: Readonly<Record<string, string>> = {}): FormErrors {
  const [error, setErrorState] = useState<ApiError | null>(null);
  const fieldsKey = fields.join('|');
  const aliasesKey = JSON.stringify(aliases);
  const grouped = useMemo(
    () => (error ? groupFieldProblems(error.fieldProblems, fields, aliases) : { byField: {}, unmatched: [] }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [error, fieldsKey, aliasesKey],
  );
  return {
    error,
    byField: grouped.byField,
    unmatched: grouped.unmatched,
    fieldErrorCount: Object.keys(grouped.byField).length,
    setError: (value: unknown) => setErrorState(value === null ? null : toApiError(value)),
    clear: () => setErrorState(null),
  };
}

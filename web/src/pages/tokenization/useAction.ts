import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { withStepUp } from '../security/StepUpPrompt';

/**
 * One button's request: busy while it runs, the problem+json error if it failed. Money actions
 * (buy, claim, orders, rent deposit, finalize) may answer 401 STEP_UP_REQUIRED: `withStepUp`
 * then opens the second-factor prompt and runs the request once more after it passed.
 */
export function useAction<A extends unknown[], T>(run: (...args: A) => Promise<T>, onDone?: (result: T) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const execute = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(null);
      try {
        const result = await withStepUp(() => run(...args));
        onDone?.(result);
        return result;
      } catch (caught) {
        setError(toApiError(caught));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [run, onDone],
  );
  return { execute, busy, error };
}

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api } from '../api/endpoints';
import { ApiError, toApiError } from '../api/errors';
import type { Me } from '../api/types';

export type AuthState =
  | { status: 'loading'; me: null; error: null }
  | { status: 'signedOut'; me: null; error: ApiError | null }
  | { status: 'signedIn'; me: Me; error: null };

interface AuthContextValue {
  auth: AuthState;
  /** Re-reads /auth/me, e.g. after logging in or creating an organization. */
  refresh: () => Promise<Me | null>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [auth, setAuth] = useState<AuthState>({ status: 'loading', me: null, error: null });

  const refresh = useCallback(async () => {
    try {
      const me = await api.me();
      setAuth({ status: 'signedIn', me, error: null });
      return me;
    } catch (error) {
      const apiError = toApiError(error);
      // 401 is the normal "signed out" answer; anything else is worth surfacing.
      setAuth({ status: 'signedOut', me: null, error: apiError.status === 401 ? null : apiError });
      return null;
    }
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setAuth({ status: 'signedOut', me: null, error: null });
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const value = useMemo(() => ({ auth, refresh, logout }), [auth, refresh, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const context = useContext(AuthContext);
  if (!context) throw new Error('useAuth must be used inside <AuthProvider>');
  return context;
}

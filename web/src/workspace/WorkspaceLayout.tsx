import { useEffect, useState } from 'react';
import { Navigate, Outlet, useLocation, useOutletContext } from 'react-router-dom';
import type { Membership } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorState, Spinner } from '../components/ui';
import { CreateOrganization } from './CreateOrganization';

const storageKey = 'domus.workspace.organizationId';

export interface WorkspaceContext {
  membership: Membership;
  memberships: Membership[];
  selectOrganization: (organizationId: string) => void;
  canEdit: boolean;
}

export function useWorkspace(): WorkspaceContext {
  return useOutletContext<WorkspaceContext>();
}

function readStoredOrganization(): string | null {
  try {
    return window.localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

/** Guards the workspace: signed in, with an organization, and knows which one is selected. */
export function WorkspaceLayout() {
  const { auth, refresh } = useAuth();
  const location = useLocation();
  const [selectedId, setSelectedId] = useState<string | null>(readStoredOrganization);

  useEffect(() => {
    try {
      if (selectedId) window.localStorage.setItem(storageKey, selectedId);
    } catch {
      // Storage can be unavailable (private mode); the selection then lasts for the visit.
    }
  }, [selectedId]);

  if (auth.status === 'loading') {
    return (
      <div className="page-narrow page-center">
        <Spinner label="Loading your workspace" />
      </div>
    );
  }
  if (auth.status === 'signedOut') {
    if (auth.error) {
      return (
        <div className="page-narrow">
          <ErrorState title="We couldn’t check your session" error={auth.error} onRetry={() => void refresh()} />
        </div>
      );
    }
    return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  }

  const memberships = auth.me.memberships;
  if (memberships.length === 0) {
    return (
      <div className="page-narrow">
        <CreateOrganization
          onCreated={async (organizationId) => {
            setSelectedId(organizationId);
            await refresh();
          }}
        />
      </div>
    );
  }
  const membership = memberships.find((item) => item.organizationId === selectedId) ?? memberships[0]!;
  const context: WorkspaceContext = {
    membership,
    memberships,
    selectOrganization: setSelectedId,
    canEdit: membership.role !== 'viewer',
  };
  return (
    <div className="workspace">
      <Outlet context={context} />
    </div>
  );
}

import { Link } from 'react-router-dom';
import { EmptyState } from '../components/ui';
import { useDocumentTitle } from '../lib/useAsync';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <div className="page-narrow">
      <EmptyState title="This page doesn’t exist" action={<Link to="/" className="button button-primary">Go to search</Link>}>
        <p>The link may be outdated or mistyped.</p>
      </EmptyState>
    </div>
  );
}

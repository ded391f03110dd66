import { useEffect, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { loadPublicConfig } from '../lib/config';
import { Spinner } from './ui';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]![0]}${parts[parts.length - 1]![0]}` : (parts[0] ?? '?').slice(0, 2);
  return letters.toUpperCase();
}

function Header() {
  const { auth, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [loggingOut, setLoggingOut] = useState(false);
  const next = encodeURIComponent(`${location.pathname}${location.search}`);
  const onAuthPage = location.pathname === '/login' || location.pathname === '/signup';

  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Link to="/" className="brand" aria-label="Domus home">
          <svg viewBox="0 0 32 32" className="brand-mark" aria-hidden="true">
            <rect width="32" height="32" rx="8" />
            <path d="M7 16.5 16 9l9 7.5V25a1 1 0 0 1-1 1h-5v-6h-6v6H8a1 1 0 0 1-1-1z" />
          </svg>
          <span className="brand-name">Domus</span>
        </Link>
        <nav className="site-nav" aria-label="Main">
          <NavLink to="/" end className="nav-link" data-testid="nav-search">
            Search
          </NavLink>
          <NavLink to="/market" className="nav-link" data-testid="nav-market">
            Market
          </NavLink>
          <NavLink to="/invest" className="nav-link" data-testid="nav-invest">
            Invest
          </NavLink>
          {auth.status === 'signedIn' && (
            <>
              <NavLink to="/saved-searches" className="nav-link" data-testid="nav-saved-searches">
                Saved searches
              </NavLink>
              <NavLink to="/portfolio" className="nav-link" data-testid="nav-portfolio">
                Portfolio
              </NavLink>
              <NavLink to="/deals" className="nav-link" data-testid="nav-deals">
                Deals
              </NavLink>
              <NavLink to="/workspace" className="nav-link" data-testid="nav-workspace">
                Workspace
              </NavLink>
              <NavLink to="/security" className="nav-link" data-testid="nav-security">
                Security
              </NavLink>
            </>
          )}
        </nav>
        <div className="site-account">
          {auth.status === 'loading' && <Spinner size="sm" label="Checking your session" />}
          {auth.status === 'signedOut' && (
            <>
              <Link
                to={onAuthPage ? '/login' : `/login?next=${next}`}
                className="button button-ghost"
                data-testid="nav-login"
              >
                Log in
              </Link>
              <Link
                to={onAuthPage ? '/signup' : `/signup?next=${next}`}
                className="button button-primary"
                data-testid="nav-signup"
              >
                Sign up
              </Link>
            </>
          )}
          {auth.status === 'signedIn' && (
            <>
              <span className="current-user" data-testid="current-user" title={auth.me.user.email}>
                <span className="avatar" aria-hidden="true">
                  {initials(auth.me.user.displayName || auth.me.user.email)}
                </span>
                <span className="current-user-name">{auth.me.user.displayName}</span>
              </span>
              <button
                type="button"
                className="button button-ghost"
                data-testid="logout-button"
                disabled={loggingOut}
                onClick={async () => {
                  setLoggingOut(true);
                  try {
                    await logout();
                    navigate('/');
                  } finally {
                    setLoggingOut(false);
                  }
                }}
              >
                Log out
              </button>
            </>
          )}
        </div>
      </div>
    </header>
  );
}

function Footer() {
  const [demoData, setDemoData] = useState(false);
  useEffect(() => {
    let active = true;
    void loadPublicConfig().then((config) => {
      if (active) setDemoData(config.demoData);
    });
    return () => {
      active = false;
    };
  }, []);
  return (
    <footer className="site-footer">
      <div className="site-footer-inner">
        <p>
          <strong>Domus</strong> · open-source property platform
        </p>
        {demoData && (
          <p className="demo-note" data-testid="demo-data-note">
            This instance includes generated demo listings, marked “Synthetic demo listing”.
          </p>
        )}
        <p>
          <a href="/docs">API reference</a>
        </p>
      </div>
    </footer>
  );
}

export function Layout() {
  const location = useLocation();
  // Move focus to the main region after client-side navigation, as a full page load would.
  useEffect(() => {
    const main = document.getElementById('main');
    if (main && document.activeElement === document.body) main.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Header />
      <main id="main" tabIndex={-1} className="site-main">
        <Outlet />
      </main>
      <Footer />
    </div>
  );
}

import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { AuthProvider } from './auth/AuthContext';
import { Layout } from './components/Layout';
import { Spinner } from './components/ui';
import { LoginPage, SignupPage } from './pages/AuthPages';
import { ListingPage } from './pages/ListingPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { SavedSearchesPage } from './pages/SavedSearchesPage';
import { SearchPage } from './pages/search/SearchPage';
import { StepUpHost } from './pages/security/StepUpPrompt';

// The agency workspace is only for signed-in agents; buyers never download it.
const WorkspaceLayout = lazy(() => import('./workspace/WorkspaceLayout').then((module) => ({ default: module.WorkspaceLayout })));
const OrganizationListings = lazy(() =>
  import('./workspace/OrganizationListings').then((module) => ({ default: module.OrganizationListings })),
);
const CreateListingForm = lazy(() => import('./workspace/CreateListingForm').then((module) => ({ default: module.CreateListingForm })));
const ListingEditor = lazy(() => import('./workspace/ListingEditor').then((module) => ({ default: module.ListingEditor })));
const SecurityAdminPage = lazy(() => import('./pages/security/SecurityAdminPage').then((module) => ({ default: module.SecurityAdminPage })));
const DealsPage = lazy(() => import('./pages/deals/DealsPage').then((module) => ({ default: module.DealsPage })));
const DealRoomPage = lazy(() => import('./pages/deals/DealRoomPage').then((module) => ({ default: module.DealRoomPage })));
const MarketPage = lazy(() => import('./pages/market/MarketPage').then((module) => ({ default: module.MarketPage })));
const InvestPage = lazy(() => import('./pages/tokenization/InvestPages').then((module) => ({ default: module.InvestPage })));
const TokenizedPropertyPage = lazy(() => import('./pages/tokenization/InvestPages').then((module) => ({ default: module.TokenizedPropertyPage })));
const PortfolioPage = lazy(() => import('./pages/tokenization/PortfolioPage').then((module) => ({ default: module.PortfolioPage })));
const SecurityPage = lazy(() => import('./pages/security/SecurityPage').then((module) => ({ default: module.SecurityPage })));

function Loading({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <div className="page-center">
          <Spinner label="Loading" />
        </div>
      }
    >
      {children}
    </Suspense>
  );
}

export function App() {
  return (
    <AuthProvider>
      <StepUpHost />
      <BrowserRouter>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<SearchPage />} />
            <Route path="listings/:id" element={<ListingPage />} />
            <Route path="login" element={<LoginPage />} />
            <Route path="signup" element={<SignupPage />} />
            <Route path="saved-searches" element={<SavedSearchesPage />} />
            <Route path="deals" element={<Loading><DealsPage /></Loading>} />
            <Route path="deals/:id" element={<Loading><DealRoomPage /></Loading>} />
            <Route path="market" element={<Loading><MarketPage /></Loading>} />
            <Route path="invest" element={<Loading><InvestPage /></Loading>} />
            <Route path="invest/properties/:id" element={<Loading><TokenizedPropertyPage /></Loading>} />
            <Route path="portfolio" element={<Loading><PortfolioPage /></Loading>} />
            <Route path="security" element={<Loading><SecurityPage /></Loading>} />
            <Route
              path="workspace"
              element={
                <Loading>
                  <WorkspaceLayout />
                </Loading>
              }
            >
              <Route index element={<Loading><OrganizationListings /></Loading>} />
              <Route path="new" element={<Loading><CreateListingForm /></Loading>} />
              <Route path="listings/:id" element={<Loading><ListingEditor /></Loading>} />
              <Route path="security" element={<Loading><SecurityAdminPage /></Loading>} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </AuthProvider>
  );
}

import { Navigate, Route, Routes } from "react-router";

import type { AuthClient } from "./api/auth";
import { AuthProvider, RequireAuth } from "./components/auth";
import { Layout } from "./components/Layout";
import { ToastProvider } from "./components/toasts";
import { FeaturesProvider } from "./features/context";
import { registeredFeatures } from "./features/registry";
import type { AuthFeature } from "./features/types";
import { AccountPage } from "./pages/AccountPage";
import { ConfirmEmailPage } from "./pages/ConfirmEmailPage";
import { ForgotPasswordPage } from "./pages/ForgotPasswordPage";
import { HomePage } from "./pages/HomePage";
import { LoginPage } from "./pages/LoginPage";
import { ResetPasswordPage } from "./pages/ResetPasswordPage";
import { RoomsPage } from "./pages/RoomsPage";
import { SessionPage } from "./pages/SessionPage";
import { UsersPage } from "./pages/UsersPage";
import { VerifyEmailPage } from "./pages/VerifyEmailPage";

interface AppProps {
  authClient?: AuthClient;
  /** The optional features (src/features/*) to include; all of this build's by default. */
  features?: readonly AuthFeature[];
}

export function App({ authClient, features = registeredFeatures }: AppProps) {
  const featureRoutes = features.flatMap(({ routes = [] }) => routes);
  return (
    <ToastProvider>
      <FeaturesProvider features={features}>
        <AuthProvider {...(authClient ? { client: authClient } : {})}>
          <Routes>
            <Route element={<Layout />}>
              <Route path="/login" element={<LoginPage />} />
              <Route path="/forgot-password" element={<ForgotPasswordPage />} />
              <Route path="/reset-password" element={<ResetPasswordPage />} />
              <Route path="/verify-email" element={<VerifyEmailPage />} />
              <Route path="/confirm-email" element={<ConfirmEmailPage />} />
              <Route
                path="/"
                element={
                  <RequireAuth>
                    <HomePage />
                  </RequireAuth>
                }
              />
              <Route
                path="/account"
                element={
                  <RequireAuth>
                    <AccountPage />
                  </RequireAuth>
                }
              />
              <Route
                path="/session"
                element={
                  <RequireAuth>
                    <SessionPage />
                  </RequireAuth>
                }
              />
              <Route
                path="/rooms/:room?"
                element={
                  <RequireAuth>
                    <RoomsPage />
                  </RequireAuth>
                }
              />
              <Route
                path="/users"
                element={
                  <RequireAuth>
                    <UsersPage />
                  </RequireAuth>
                }
              />
              {featureRoutes.map(({ path, element, requireAuth = false }) => (
                <Route
                  key={path}
                  path={path}
                  element={requireAuth ? <RequireAuth>{element}</RequireAuth> : element}
                />
              ))}
              <Route path="*" element={<Navigate to="/" replace />} />
            </Route>
          </Routes>
        </AuthProvider>
      </FeaturesProvider>
    </ToastProvider>
  );
}

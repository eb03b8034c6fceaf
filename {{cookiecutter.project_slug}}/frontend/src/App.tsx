import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
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

/** One page load's server state: nothing is asked again on its own (a link's token works once). */
export function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: Infinity } },
  });
}

export function App({ authClient, features = registeredFeatures }: AppProps) {
  const featureRoutes = (requireAuth: boolean) =>
    features
      .flatMap(({ routes = [] }) => routes)
      .filter((route) => (route.requireAuth ?? false) === requireAuth)
      .map(({ path, element }) => <Route key={path} path={path} element={element} />);
  const [queryClient] = useState(newQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        <FeaturesProvider features={features}>
          <AuthProvider client={authClient}>
            <Routes>
              <Route element={<Layout />}>
                <Route path="/login" element={<LoginPage />} />
                <Route path="/forgot-password" element={<ForgotPasswordPage />} />
                <Route path="/reset-password" element={<ResetPasswordPage />} />
                <Route path="/verify-email" element={<VerifyEmailPage />} />
                <Route path="/confirm-email" element={<ConfirmEmailPage />} />
                {featureRoutes(false)}
                <Route element={<RequireAuth />}>
                  <Route path="/" element={<HomePage />} />
                  <Route path="/account" element={<AccountPage />} />
                  <Route path="/session" element={<SessionPage />} />
                  <Route path="/rooms/:room?" element={<RoomsPage />} />
                  <Route path="/users" element={<UsersPage />} />
                  {featureRoutes(true)}
                </Route>
                <Route path="*" element={<Navigate to="/" replace />} />
              </Route>
            </Routes>
          </AuthProvider>
        </FeaturesProvider>
      </ToastProvider>
    </QueryClientProvider>
  );
}

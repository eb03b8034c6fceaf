import { Navigate, Route, Routes } from "react-router";

import type { AuthClient } from "./api/auth";
import { AuthProvider, RequireAuth } from "./components/auth";
import { Layout } from "./components/Layout";
import { ToastProvider } from "./components/toasts";
import { HomePage } from "./pages/HomePage";
import { LoginPage } from "./pages/LoginPage";
import { RoomsPage } from "./pages/RoomsPage";
import { SessionPage } from "./pages/SessionPage";

export function App({ authClient }: { authClient?: AuthClient }) {
  return (
    <ToastProvider>
      <AuthProvider {...(authClient ? { client: authClient } : {})}>
        <Routes>
          <Route element={<Layout />}>
            <Route path="/login" element={<LoginPage />} />
            <Route
              path="/"
              element={
                <RequireAuth>
                  <HomePage />
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
            <Route path="*" element={<Navigate to="/" replace />} />
          </Route>
        </Routes>
      </AuthProvider>
    </ToastProvider>
  );
}

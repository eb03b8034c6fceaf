import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { Navigate, useLocation } from "react-router";

import { type AuthClient, auth as defaultAuth, type User } from "../api/auth";

export type AuthStatus = "loading" | "authenticated" | "anonymous";

interface AuthState {
  status: AuthStatus;
  user: User | null;
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children, client = defaultAuth }: { children: ReactNode; client?: AuthClient }) {
  const [status, setStatus] = useState<AuthStatus>("loading");
  const [user, setUser] = useState<User | null>(null);

  // On start, the refresh cookie (if any) restores the session: one refresh call.
  useEffect(() => {
    let active = true;
    void client.restoreSession().then((restored) => {
      if (!active) return;
      setUser(restored);
      setStatus(restored ? "authenticated" : "anonymous");
    });
    return () => {
      active = false;
    };
  }, [client]);

  // A refresh that fails (cookie revoked or expired) clears the token: log out here too.
  useEffect(
    () =>
      client.tokens.subscribe(() => {
        if (client.tokens.accessToken === null) {
          setUser(null);
          setStatus((current) => (current === "loading" ? current : "anonymous"));
        }
      }),
    [client],
  );

  const login = useCallback(
    async (email: string, password: string) => {
      await client.login(email, password);
      const me = await client.me();
      setUser(me);
      setStatus("authenticated");
    },
    [client],
  );

  const logout = useCallback(async () => {
    try {
      await client.logout();
    } finally {
      setUser(null);
      setStatus("anonymous");
    }
  }, [client]);

  const value = useMemo(() => ({ status, user, login, logout }), [status, user, login, logout]);
  return <AuthContext value={value}>{children}</AuthContext>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth must be used inside <AuthProvider>.");
  return state;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "loading") {
    return (
      <p className="muted" data-testid="auth-loading">
        Loading…
      </p>
    );
  }
  if (status === "anonymous") {
    const state = { from: location.pathname };
    return <Navigate to="/login" replace state={state} />;
  }
  return children;
}

import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from "react";
import { Navigate, Outlet, useLocation } from "react-router";

import {
  type AuthClient,
  auth as defaultAuth,
  type LoginResult,
  NotAuthenticatedError,
  type User,
} from "../api/auth";

export type AuthStatus = "loading" | "authenticated" | "anonymous";

interface AuthState {
  status: AuthStatus;
  user: User | null;
  client: AuthClient;
  /** Signs in, or hands back the further step the server asks for (the user is then still anonymous). */
  login: (email: string, password: string) => Promise<LoginResult>;
  /** Loads the user with the client's tokens and counts them signed in (after a further step, or to pick up changes). */
  loadUser: () => Promise<User>;
  logout: () => Promise<void>;
  logoutEverywhere: () => Promise<void>;
  /** Why the user was logged out, for the login page to say; cleared by the next login. */
  notice: string | null;
}

export const LOGGED_OUT_EVERYWHERE = "You have been logged out on every device.";

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({
  children,
  client = defaultAuth,
}: {
  children: ReactNode;
  client?: AuthClient;
}) {
  // undefined while the session restore on start is under way.
  const [user, setUser] = useState<User | null>();
  const [notice, setNotice] = useState<string | null>(null);
  // Raised by every log-out: a user that an earlier request brings back arrives too late to count.
  const logouts = useRef(0);

  useEffect(() => {
    const started = logouts.current;
    void client.restoreSession().then((restored) => {
      // A sign-in completed meanwhile (e.g. an emailed link) stands.
      if (logouts.current === started) setUser((current) => restored ?? current ?? null);
    });
  }, [client]);

  // A refresh that fails (cookie revoked or expired) clears the token: log out here too.
  useEffect(
    () =>
      client.tokens.subscribe(() => {
        if (client.tokens.accessToken === null) setUser((current) => current && null);
      }),
    [client],
  );

  const loadUser = useCallback(async () => {
    const started = logouts.current;
    const me = await client.me();
    if (logouts.current !== started) throw new NotAuthenticatedError("Logged out meanwhile.");
    setUser(me);
    setNotice(null);
    return me;
  }, [client]);

  const login = async (email: string, password: string) => {
    const result = await client.login(email, password);
    if (result.kind === "signed-in") await loadUser();
    return result;
  };

  const logout = async () => {
    logouts.current += 1;
    try {
      await client.logout();
    } finally {
      setUser(null);
    }
  };

  const logoutEverywhere = async () => {
    await client.logoutEverywhere();
    logouts.current += 1;
    setUser(null);
    setNotice(LOGGED_OUT_EVERYWHERE);
  };

  const status: AuthStatus = user === undefined ? "loading" : user ? "authenticated" : "anonymous";
  const value = {
    status,
    user: user ?? null,
    client,
    login,
    loadUser,
    logout,
    logoutEverywhere,
    notice,
  };
  return <AuthContext value={value}>{children}</AuthContext>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error("useAuth must be used inside <AuthProvider>.");
  return state;
}

/** The layout route of the pages that need a signed-in user: the login page for anyone else. */
export function RequireAuth() {
  const { status } = useAuth();
  const location = useLocation();
  if (status === "loading") {
    return (
      <p className="text-muted" data-testid="auth-loading">
        Loading…
      </p>
    );
  }
  if (status === "anonymous")
    return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <Outlet />;
}

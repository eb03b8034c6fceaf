import { type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
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

/** The signed-in user: undefined while the session restore on start is under way, null for nobody. */
const USER = ["auth", "user"];

/** Sets the user; a session restore still under way is dropped, as what comes after it stands. */
async function setUser(queryClient: QueryClient, user: User | null): Promise<void> {
  await queryClient.cancelQueries({ queryKey: USER });
  queryClient.setQueryData(USER, user);
}

export function AuthProvider({
  children,
  client = defaultAuth,
}: {
  children: ReactNode;
  client?: AuthClient;
}) {
  const queryClient = useQueryClient();
  const restore = () => client.restoreSession();
  const { data: user } = useQuery({ queryKey: USER, queryFn: restore, staleTime: Infinity });
  const [notice, setNotice] = useState<string | null>(null);
  // Raised by every log-out: a user that an earlier request brings back arrives too late to count.
  const logouts = useRef(0);

  // A refresh that fails (cookie revoked or expired) clears the token: log out here too.
  useEffect(
    () =>
      client.tokens.subscribe(() => {
        if (client.tokens.accessToken === null && queryClient.getQueryData(USER)) {
          void setUser(queryClient, null);
        }
      }),
    [client, queryClient],
  );

  const loadUser = useCallback(async () => {
    const started = logouts.current;
    const me = await client.me();
    await queryClient.cancelQueries({ queryKey: USER });
    if (logouts.current !== started) throw new NotAuthenticatedError("Logged out meanwhile.");
    queryClient.setQueryData(USER, me);
    setNotice(null);
    return me;
  }, [client, queryClient]);

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
      await setUser(queryClient, null);
    }
  };

  const logoutEverywhere = async () => {
    await client.logoutEverywhere();
    logouts.current += 1;
    await setUser(queryClient, null);
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

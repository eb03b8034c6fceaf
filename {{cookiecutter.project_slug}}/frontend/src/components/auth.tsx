import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from "react";
import { Navigate, Outlet, useLocation } from "react-router";

import { type AuthClient, auth as defaultAuth, type LoginResult, type User } from "../api/auth";

export type AuthStatus = "loading" | "authenticated" | "anonymous";

interface AuthState {
  status: AuthStatus;
  user: User | null;
  /** The API client, for pages that call the API themselves. */
  client: AuthClient;
  /** Signs in, or hands back the further step the server asks for (the user is then still anonymous). */
  login: (email: string, password: string) => Promise<LoginResult>;
  /**
   * Loads the user with the tokens the client holds and marks the session
   * authenticated: completes a sign-in that took further steps, or picks up
   * changes to the user.
   */
  loadUser: () => Promise<User>;
  logout: () => Promise<void>;
  /** Ends every session of this user on every device, this one included. */
  logoutEverywhere: () => Promise<void>;
  /** Why the user was logged out, for the login page to say; cleared by the next login. */
  notice: string | null;
}

export const LOGGED_OUT_EVERYWHERE = "You have been logged out on every device.";

const AuthContext = createContext<AuthState | null>(null);

/** The signed-in user (null: nobody), as the query cache holds it. */
const ME = ["me"];

export function AuthProvider({
  children,
  client = defaultAuth,
}: {
  children: ReactNode;
  client?: AuthClient;
}) {
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  // On start, the refresh cookie (if any) restores the session: one refresh call. A sign-in or a
  // log-out meanwhile cancels it (below): what it brings back then arrives too late to count.
  const { data: user } = useQuery({
    queryKey: ME,
    queryFn: () => client.restoreSession(),
    staleTime: Infinity,
    gcTime: Infinity,
  });
  const status: AuthStatus = user === undefined ? "loading" : user ? "authenticated" : "anonymous";

  const signOut = useCallback(async () => {
    await queryClient.cancelQueries({ queryKey: ME });
    queryClient.setQueryData(ME, null);
  }, [queryClient]);

  // A refresh that fails (cookie revoked or expired) clears the token: log out here too.
  useEffect(
    () =>
      client.tokens.subscribe(() => {
        if (client.tokens.accessToken === null && queryClient.getQueryData(ME) !== undefined)
          queryClient.setQueryData(ME, null);
      }),
    [client, queryClient],
  );

  const loadUser = useCallback(async () => {
    await queryClient.cancelQueries({ queryKey: ME });
    try {
      const me = await queryClient.query({ queryKey: ME, queryFn: client.me, staleTime: 0 });
      setNotice(null);
      return me;
    } catch (error) {
      // The restore it cancelled is not coming back: nobody is signed in.
      if (queryClient.getQueryData(ME) === undefined) queryClient.setQueryData(ME, null);
      throw error;
    }
  }, [client, queryClient]);

  const login = useCallback(
    async (email: string, password: string) => {
      const result = await client.login(email, password);
      if (result.kind === "signed-in") await loadUser();
      return result;
    },
    [client, loadUser],
  );

  const logout = useCallback(async () => {
    try {
      await client.logout();
    } finally {
      await signOut();
    }
  }, [client, signOut]);

  const logoutEverywhere = useCallback(async () => {
    await client.logoutEverywhere();
    await signOut();
    setNotice(LOGGED_OUT_EVERYWHERE);
  }, [client, signOut]);

  const value = useMemo(
    () => ({
      status,
      user: user ?? null,
      client,
      login,
      loadUser,
      logout,
      logoutEverywhere,
      notice,
    }),
    [status, user, client, login, loadUser, logout, logoutEverywhere, notice],
  );
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
  if (status === "anonymous") {
    const state = { from: location.pathname };
    return <Navigate to="/login" replace state={state} />;
  }
  return <Outlet />;
}

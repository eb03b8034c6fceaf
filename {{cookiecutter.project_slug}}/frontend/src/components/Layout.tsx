import { Link, Outlet, useNavigate } from "react-router";

import { PROJECT_NAME } from "../api/core";
import { useAuth } from "./auth";
import { useToast } from "./toasts";

export function Layout() {
  const { status, user, logout } = useAuth();
  const navigate = useNavigate();
  const toast = useToast();

  const onLogout = () => {
    logout()
      .catch(() => {
        toast.show("The server could not be reached; you are logged out on this page only.", "error");
      })
      .finally(() => {
        void navigate("/login", { replace: true });
      });
  };

  return (
    <div className="app">
      <header className="topbar">
        <Link to="/" className="brand" data-testid="brand">
          {PROJECT_NAME}
        </Link>
        {status === "authenticated" && user ? (
          <nav className="topnav">
            <Link to="/session" data-testid="nav-session">
              Session
            </Link>
            <Link to="/rooms" data-testid="nav-rooms">
              Rooms
            </Link>
            <Link to="/account" data-testid="nav-account">
              Account
            </Link>
            <span className="muted" data-testid="current-user">
              {user.email}
            </span>
            <button type="button" className="secondary" data-testid="logout-button" onClick={onLogout}>
              Log out
            </button>
          </nav>
        ) : null}
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}

import { type KeyboardEvent, useRef, useState } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router";

import { PROJECT_NAME } from "../api/core";
import { useAuth } from "./auth";
import { useToast } from "./toasts";

const MENU_ID = "site-menu";

export function Layout() {
  const { status, user, logout } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const toast = useToast();
  const menuButton = useRef<HTMLButtonElement>(null);
  // On a narrow screen the links fold into a menu; it is open on the page where it was opened,
  // so that following one of its links closes it.
  const [menuOpenOn, setMenuOpenOn] = useState<string | null>(null);
  const menuOpen = menuOpenOn === location.pathname;

  const onLogout = () => {
    setMenuOpenOn(null);
    logout()
      .catch(() => {
        toast.show(
          "The server could not be reached; you are logged out on this page only.",
          "error",
        );
      })
      .finally(() => {
        void navigate("/login", { replace: true });
      });
  };

  const onMenuClick = () => {
    setMenuOpenOn(menuOpen ? null : location.pathname);
  };

  const onMenuKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== "Escape" || !menuOpen) return;
    setMenuOpenOn(null);
    menuButton.current?.focus();
  };

  const signedIn = status === "authenticated" && user !== null;

  return (
    <div className="app">
      <header className="topbar" onKeyDown={onMenuKeyDown}>
        <Link to="/" className="brand" data-testid="brand">
          {PROJECT_NAME}
        </Link>
        {signedIn ? (
          <>
            <button
              type="button"
              className="secondary menu-button"
              aria-expanded={menuOpen}
              aria-controls={MENU_ID}
              onClick={onMenuClick}
              ref={menuButton}
            >
              Menu
            </button>
            <nav id={MENU_ID} className={menuOpen ? "topnav open" : "topnav"} aria-label="Main">
              <NavLink to="/session" data-testid="nav-session">
                Session
              </NavLink>
              <NavLink to="/rooms" data-testid="nav-rooms">
                Rooms
              </NavLink>
              <NavLink to="/account" data-testid="nav-account">
                Account
              </NavLink>
              {user.is_superuser ? (
                <NavLink to="/users" data-testid="nav-users">
                  Users
                </NavLink>
              ) : null}
              <span className="topnav-user muted" data-testid="current-user">
                {user.email}
              </span>
              <button
                type="button"
                className="secondary"
                data-testid="logout-button"
                onClick={onLogout}
              >
                Log out
              </button>
            </nav>
          </>
        ) : null}
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}

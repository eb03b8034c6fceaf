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
    <>
      <header
        className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 border-b border-line bg-white px-6 py-3 max-sm:px-4 max-sm:py-2"
        onKeyDown={onMenuKeyDown}
      >
        <Link
          to="/"
          className="min-w-0 text-lg font-bold text-ink no-underline wrap-anywhere tap"
          data-testid="brand"
        >
          {PROJECT_NAME}
        </Link>
        {signedIn ? (
          <>
            <button
              type="button"
              className="btn-secondary not-narrow:hidden"
              aria-expanded={menuOpen}
              aria-controls={MENU_ID}
              onClick={onMenuClick}
              ref={menuButton}
            >
              Menu
            </button>
            <nav
              id={MENU_ID}
              className="flex min-w-0 flex-wrap items-center gap-x-4 gap-y-2 narrow:not-data-open:hidden narrow:basis-full narrow:flex-col narrow:items-stretch narrow:gap-1 narrow:border-t narrow:border-line narrow:pt-2 [&_a]:tap narrow:[&_a]:px-1 [&_a[aria-current=page]]:font-semibold [&_a[aria-current=page]]:decoration-2"
              data-open={menuOpen || undefined}
              aria-label="Main"
            >
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
              <span
                className="min-w-0 text-muted wrap-anywhere narrow:px-1 narrow:pt-2"
                data-testid="current-user"
              >
                {user.email}
              </span>
              <button
                type="button"
                className="btn-secondary narrow:self-start"
                data-testid="logout-button"
                onClick={onLogout}
              >
                Log out
              </button>
            </nav>
          </>
        ) : null}
      </header>
      <main className="mx-auto my-8 max-w-[860px] px-4 max-sm:my-4 max-sm:px-2">
        <Outlet />
      </main>
    </>
  );
}

import { type KeyboardEvent, useRef, useState } from "react";
import { Link, NavLink, Outlet, useLocation, useNavigate } from "react-router";

import { PROJECT_NAME } from "../api/core";
import { useAuth } from "./auth";
import { Button } from "./Button";
import { useToast } from "./toasts";

const LOGGED_OUT_HERE = "The server could not be reached; you are logged out on this page only.";
const LINKS = ["Session", "Rooms", "Account"];

export function Layout() {
  const { status, user, logout } = useAuth();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const toast = useToast();
  const menuButton = useRef<HTMLButtonElement>(null);
  // On a narrow screen the links fold into a menu; it is open on the page where it was opened,
  // so that following one of its links closes it.
  const [menuOpenOn, setMenuOpenOn] = useState<string | null>(null);
  const menuOpen = menuOpenOn === pathname;

  const onLogout = () => {
    setMenuOpenOn(null);
    logout()
      .catch(() => {
        toast.show(LOGGED_OUT_HERE, "error");
      })
      .finally(() => {
        void navigate("/login", { replace: true });
      });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== "Escape" || !menuOpen) return;
    setMenuOpenOn(null);
    menuButton.current?.focus();
  };

  return (
    <>
      <header
        className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 border-b border-line bg-white px-6 py-3 max-sm:px-4 max-sm:py-2"
        onKeyDown={onKeyDown}
      >
        <Link
          to="/"
          className="min-w-0 text-lg font-bold text-ink no-underline wrap-anywhere tap"
          data-testid="brand"
        >
          {PROJECT_NAME}
        </Link>
        {status === "authenticated" && user !== null ? (
          <>
            <Button
              className="btn-secondary not-narrow:hidden"
              aria-expanded={menuOpen}
              aria-controls="site-menu"
              onClick={() => {
                setMenuOpenOn(menuOpen ? null : pathname);
              }}
              ref={menuButton}
            >
              Menu
            </Button>
            <nav
              id="site-menu"
              className="flex min-w-0 flex-wrap items-center gap-x-4 gap-y-2 narrow:not-data-open:hidden narrow:basis-full narrow:flex-col narrow:items-stretch narrow:gap-1 narrow:border-t narrow:border-line narrow:pt-2 [&_a]:tap narrow:[&_a]:px-1 [&_a[aria-current=page]]:font-semibold [&_a[aria-current=page]]:decoration-2"
              data-open={menuOpen || undefined}
              aria-label="Main"
            >
              {(user.is_superuser ? [...LINKS, "Users"] : LINKS).map((name) => (
                <NavLink
                  key={name}
                  to={`/${name.toLowerCase()}`}
                  data-testid={`nav-${name.toLowerCase()}`}
                >
                  {name}
                </NavLink>
              ))}
              <span
                className="min-w-0 text-muted wrap-anywhere narrow:px-1 narrow:pt-2"
                data-testid="current-user"
              >
                {user.email}
              </span>
              <Button
                className="btn-secondary narrow:self-start"
                data-testid="logout-button"
                onClick={onLogout}
              >
                Log out
              </Button>
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

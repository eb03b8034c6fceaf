import { useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router";

/** The `token` of a `#token=...` fragment, or null. */
export function tokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, "")).get("token")?.trim() ?? "";
  return token === "" ? null : token;
}

/**
 * The token an emailed link carries in the URL fragment (which, unlike the
 * query, never reaches a server log or a Referer header). Read once when the
 * page opens; the fragment is then removed from the address bar and history.
 */
export function useFragmentToken(): string | null {
  const location = useLocation();
  const navigate = useNavigate();
  const [token] = useState(() => tokenFromHash(location.hash));
  const hasFragment = location.hash !== "";
  const { pathname, search } = location;

  useEffect(() => {
    if (hasFragment) void navigate({ pathname, search }, { replace: true });
  }, [hasFragment, pathname, search, navigate]);

  return token;
}

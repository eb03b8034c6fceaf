import { useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router";

/**
 * The token an emailed link carries in the URL fragment (which, unlike the query, never reaches a
 * server log or a Referer header): read once, then removed from the address bar and history.
 */
export function useFragmentToken(): string | null {
  const { hash, pathname, search } = useLocation();
  const navigate = useNavigate();
  const [token] = useState(
    () => (new URLSearchParams(hash.slice(1)).get("token") ?? "").trim() || null,
  );
  const hasFragment = hash !== "";

  useEffect(() => {
    if (hasFragment) void navigate({ pathname, search }, { replace: true });
  }, [hasFragment, pathname, search, navigate]);

  return token;
}

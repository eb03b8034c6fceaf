import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link } from "react-router";

import { failure } from "../hooks/useFormMutation";
import { useFragmentToken } from "../hooks/useFragmentToken";
import { useAuth } from "./auth";
import { FormError, FormSuccess } from "./FormMessage";

interface EmailLinkPageProps {
  /** Names the request, and starts the page's test ids. */
  id: string;
  title: string;
  send: (token: string) => Promise<string>;
  pending: string;
  noToken: string;
  fallback: string;
  ready?: boolean;
  /** Under the server's message once it succeeded, instead of the link to go on with. */
  done?: ReactNode;
}

/** Where a link mailed to the user lands (`#token=...`): its token is sent, and the answer shown. */
export function EmailLinkPage(props: EmailLinkPageProps) {
  const { id, send, ready = true, done } = props;
  const { status } = useAuth();
  const token = useFragmentToken();
  // One request per token, however often the page mounts (a link works once).
  const request = useQuery({
    queryKey: [id, token],
    queryFn: () => send(token ?? ""),
    enabled: token !== null && ready,
  });
  const error = token === null ? props.noToken : failure(request.error, props.fallback);
  const [to, next] =
    status === "authenticated" ? ["/account", "Go to your account"] : ["/login", "Log in"];

  return (
    <section className="card card-narrow">
      <h1>{props.title}</h1>
      {error === null && !request.isSuccess ? (
        <p className="text-muted" role="status" data-testid={`${id}-status`}>
          {props.pending}
        </p>
      ) : (
        <>
          <FormSuccess testId={`${id}-result`}>{request.data}</FormSuccess>
          <FormError testId={`${id}-error`}>{error}</FormError>
          {request.isSuccess && done ? (
            done
          ) : (
            <p className="link-row">
              <Link to={to} data-testid={`${id}-next`}>
                {next}
              </Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}

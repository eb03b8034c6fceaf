import type { ReactNode } from "react";

interface FormMessageProps {
  testId: string;
  /** The message; nothing is shown while it is empty. */
  children: ReactNode;
}

function FormMessage({
  testId,
  children,
  className,
  role,
}: FormMessageProps & { className: string; role: string }) {
  return children ? (
    <p className={className} role={role} data-testid={testId}>
      {children}
    </p>
  ) : null;
}

/** What went wrong, read out by screen readers. */
export function FormError(props: FormMessageProps) {
  return <FormMessage {...props} className="m-0 text-error" role="alert" />;
}

/** What worked: usually the server's answer. */
export function FormSuccess(props: FormMessageProps) {
  return <FormMessage {...props} className="notice-success" role="status" />;
}

import type { ReactNode } from "react";

interface FormMessageProps {
  testId: string;
  /** Nothing is shown while it is empty. */
  children: ReactNode;
}

function formMessage(className: string, role: string) {
  return function FormMessage({ testId, children }: FormMessageProps) {
    return children ? (
      <p className={className} role={role} data-testid={testId}>
        {children}
      </p>
    ) : null;
  };
}

/** What went wrong, read out by screen readers. */
export const FormError = formMessage("m-0 text-error", "alert");

/** What worked: usually the server's answer. */
export const FormSuccess = formMessage("notice-success", "status");

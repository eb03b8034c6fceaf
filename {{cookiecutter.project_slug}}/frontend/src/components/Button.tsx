import type { ComponentProps } from "react";

/** A button that submits nothing, in the secondary look unless `className` gives another. */
export function Button({ className = "btn-secondary", ...props }: ComponentProps<"button">) {
  return <button type="button" className={className} {...props} />;
}

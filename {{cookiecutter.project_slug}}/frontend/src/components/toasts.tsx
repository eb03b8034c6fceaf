import * as RadixToast from "@radix-ui/react-toast";
import { createContext, type ReactNode, useContext, useState } from "react";

type ToastKind = "error" | "info" | "success";

const ToastContext = createContext<{ show: (message: string, kind?: ToastKind) => void } | null>(
  null,
);

let lastId = 0;

/** Short messages in a corner, each gone after 8 s or when dismissed (Radix's Toast). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<{ id: number; kind: ToastKind; message: string }[]>([]);
  const [api] = useState(() => ({
    show: (message: string, kind: ToastKind = "info") => {
      const id = ++lastId;
      setToasts((current) => [...current, { id, kind, message }]);
    },
  }));

  return (
    <ToastContext value={api}>
      <RadixToast.Provider duration={8_000} label="Notifications">
        {children}
        {toasts.map(({ id, kind, message }) => (
          <RadixToast.Root
            key={id}
            className="flex items-start gap-3 rounded-lg border border-line bg-white px-4 py-3 shadow-md data-[kind=error]:border-[#fecdca] data-[kind=error]:bg-error-bg data-[kind=error]:text-error data-[kind=success]:bg-success-bg"
            data-testid="toast"
            data-kind={kind}
            onOpenChange={(open) => {
              if (!open) setToasts((current) => current.filter((toast) => toast.id !== id));
            }}
          >
            <RadixToast.Description className="flex-1" data-testid="toast-message">
              {message}
            </RadixToast.Description>
            <RadixToast.Close
              className="border-none bg-transparent px-1 py-0 text-lg leading-none text-inherit hover:bg-transparent"
              aria-label="Dismiss"
            >
              ×
            </RadixToast.Close>
          </RadixToast.Root>
        ))}
        <RadixToast.Viewport
          className="fixed right-4 bottom-4 z-10 m-0 flex max-w-[360px] list-none flex-col gap-2 p-0"
          data-testid="toasts"
        />
      </RadixToast.Provider>
    </ToastContext>
  );
}

export function useToast() {
  const api = useContext(ToastContext);
  if (!api) throw new Error("useToast must be used inside <ToastProvider>.");
  return api;
}

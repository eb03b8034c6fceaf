import * as RadixToast from "@radix-ui/react-toast";
import { createContext, type ReactNode, useContext, useState } from "react";

type ToastKind = "error" | "info" | "success";

interface ToastApi {
  show: (message: string, kind?: ToastKind) => void;
}

const ToastContext = createContext<ToastApi | null>(null);

const TOAST_COLOURS: Record<ToastKind, string> = {
  error: "border-[#fecdca] bg-error-bg text-error",
  info: "border-line bg-white",
  success: "border-line bg-success-bg",
};

let lastId = 0;

/** Short messages in a corner, each gone after 8 s or when dismissed (Radix's Toast). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<{ id: number; kind: ToastKind; message: string }[]>([]);
  const [api] = useState<ToastApi>(() => ({
    show: (message, kind = "info") => {
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
            className={`flex items-start gap-3 rounded-lg border px-4 py-3 shadow-md ${TOAST_COLOURS[kind]}`}
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

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error("useToast must be used inside <ToastProvider>.");
  return api;
}

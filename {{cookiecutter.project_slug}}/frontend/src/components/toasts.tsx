import {
  createContext,
  type MouseEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";

export type ToastKind = "error" | "info" | "success";

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

interface ToastApi {
  show: (message: string, kind?: ToastKind) => void;
}

const ToastContext = createContext<ToastApi | null>(null);

const TOAST_LIFETIME_MS = 8_000;

const TOAST_COLOURS: Record<ToastKind, string> = {
  error: "border-[#fecdca] bg-error-bg text-error",
  info: "border-line bg-white",
  success: "border-line bg-success-bg",
};

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(0);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
  }, []);

  const show = useCallback(
    (message: string, kind: ToastKind = "info") => {
      nextId.current += 1;
      const id = nextId.current;
      setToasts((current) => [...current, { id, kind, message }]);
      timers.current.set(
        id,
        setTimeout(() => {
          dismiss(id);
        }, TOAST_LIFETIME_MS),
      );
    },
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    };
  }, []);

  const api = useMemo(() => ({ show }), [show]);

  const onDismissClick = (event: MouseEvent<HTMLButtonElement>) => {
    dismiss(Number(event.currentTarget.dataset.toastId));
  };

  return (
    <ToastContext value={api}>
      {children}
      <div
        className="fixed right-4 bottom-4 z-10 flex max-w-[360px] flex-col gap-2"
        data-testid="toasts"
        aria-live="polite"
      >
        {toasts.map((toast) => (
          <div
            key={toast.id}
            className={`flex items-start gap-3 rounded-lg border px-4 py-3 shadow-md ${TOAST_COLOURS[toast.kind]}`}
            data-testid="toast"
            data-kind={toast.kind}
            role="status"
          >
            <span className="flex-1" data-testid="toast-message">
              {toast.message}
            </span>
            <button
              type="button"
              className="border-none bg-transparent px-1 py-0 text-lg leading-none text-inherit hover:bg-transparent"
              aria-label="Dismiss"
              data-toast-id={toast.id}
              onClick={onDismissClick}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error("useToast must be used inside <ToastProvider>.");
  return api;
}

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import type { SubmitEvent } from "react";
import { type DefaultValues, type FieldValues, useForm, type UseFormReturn } from "react-hook-form";
import type { z } from "zod/mini";

import { errorMessage } from "../api/auth";

/** A failed action's message for the user (the server's, else `fallback`), or null. */
export function failure(error: unknown, fallback: string): string | null {
  return error ? errorMessage(error, fallback) : null;
}

interface FormMutationOptions<V extends FieldValues, T> {
  schema: z.ZodMiniType<V, V>;
  defaultValues: DefaultValues<V>;
  send: (values: V) => Promise<T>;
  onSent?: (result: T, form: UseFormReturn<V>) => void;
  /** The error when a failure has no message of the server's. */
  fallback: string;
  /** Takes a failure instead of the form when it returns true (e.g. the step expired). */
  onFailure?: (error: unknown, message: string, form: UseFormReturn<V>) => boolean;
}

/**
 * A react-hook-form form, checked by a zod schema, that a TanStack Query mutation sends. `problem`
 * is what to show: the first field's complaint, else why the server refused.
 */
export function useFormMutation<V extends FieldValues, T>({
  schema,
  defaultValues,
  send,
  onSent,
  fallback,
  onFailure,
}: FormMutationOptions<V, T>) {
  const form = useForm<V>({ resolver: zodResolver(schema), defaultValues });
  const mutation = useMutation({
    mutationFn: send,
    onSuccess: (result) => onSent?.(result, form),
    onError: (error) => {
      const message = errorMessage(error, fallback);
      if (!onFailure?.(error, message, form)) form.setError("root", { message });
    },
  });
  const problems = Object.values(form.formState.errors);
  return {
    form,
    mutation,
    problem: (problems[0]?.message as string | undefined) ?? null,
    submitting: mutation.isPending,
    onSubmit: (event: SubmitEvent<HTMLFormElement>) => {
      void form.handleSubmit((values) => {
        mutation.mutate(values);
      })(event);
    },
  };
}

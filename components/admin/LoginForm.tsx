"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import { useIsClient } from "@/components/LocalTime";
import { adminApi } from "./api";

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  // The page is served with the field in it, so a password may be typed before the page's scripts have
  // run: the field is left to the browser (uncontrolled) and read when the form is sent, as a controlled
  // field's hydration would empty it. Sign in stays disabled until then, as a form sent before it would
  // reload the page (the address's `next` lost) rather than sign in.
  const isClient = useIsClient();
  // An empty password is not sent: the form asks for it, in its own alert (not a browser's bubble).
  const [isMissing, setIsMissing] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const signIn = useMutation({
    mutationFn: (password: string) => adminApi("/api/admin/session", { method: "POST", body: JSON.stringify({ password }) }, { isSignIn: true }),
    onSuccess: () => {
      router.replace(next);
      router.refresh();
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const password = passwordRef.current?.value ?? "";
    setIsMissing(password === "");
    if (password === "") {
      signIn.reset();
      passwordRef.current?.focus();
      return;
    }
    signIn.mutate(password);
  };
  const message = isMissing ? "Enter the admin password." : signIn.error?.message;
  return (
    <form onSubmit={onSubmit} noValidate className="mx-auto flex max-w-sm flex-col gap-3 rounded-xl border border-zinc-200 p-6 dark:border-zinc-800">
      <h1 className="text-xl font-bold">Admin sign-in</h1>
      <label htmlFor="admin-password" className="text-sm font-medium">
        Password
      </label>
      <input
        ref={passwordRef}
        id="admin-password"
        type="password"
        autoComplete="current-password"
        // The page is there to type the password: the admin starts typing without reaching for the field.
        autoFocus
        required
        aria-invalid={!!message}
        aria-describedby={message ? "admin-password-error" : undefined}
        className="rounded-md border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button type="submit" disabled={!isClient || signIn.isPending} className="rounded-md bg-zinc-900 px-4 py-2 font-medium text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900">
        {signIn.isPending ? "Signing in…" : "Sign in"}
      </button>
      {message && (
        <p id="admin-password-error" role="alert" className="text-sm text-red-600">
          {message}
        </p>
      )}
      <p className="text-xs text-zinc-500">
        <code className="font-mono">npm start</code> prints the password (or set <code className="font-mono">ADMIN_PASSWORD</code>).
      </p>
    </form>
  );
}

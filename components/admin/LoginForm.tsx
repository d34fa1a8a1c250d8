"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import { adminApi } from "./api";

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const [password, setPassword] = useState("");
  // An empty password is not sent: the form asks for it, in its own alert (not a browser's bubble).
  const [isMissing, setIsMissing] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const signIn = useMutation({
    mutationFn: () => adminApi("/api/admin/session", { method: "POST", body: JSON.stringify({ password }) }, { isSignIn: true }),
    onSuccess: () => {
      router.replace(next);
      router.refresh();
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setIsMissing(password === "");
    if (password === "") {
      signIn.reset();
      passwordRef.current?.focus();
      return;
    }
    signIn.mutate();
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
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        className="rounded-md border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
      />
      <button type="submit" disabled={signIn.isPending} className="rounded-md bg-zinc-900 px-4 py-2 font-medium text-white disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900">
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

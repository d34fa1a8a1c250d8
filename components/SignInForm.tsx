"use client";

import { useId, useState, type FormEvent } from "react";
import { ApiError } from "./api";
import { errorMessage } from "./messages";
import { RetryCountdown } from "./RetryCountdown";
import { useSignIn } from "./session";

/**
 * Inline sign-in by email: no page change, the view it sits in carries on once signed in. `onSignIn`
 * is told when the shopper sends the form (a view that replaces the form keeps their focus).
 */
/** The longest address the store takes (RFC 5321's path limit, as the sign-in route checks). */
const MAX_EMAIL_LENGTH = 254;

export function SignInForm({ prompt = "Sign in with your email to buy", onSignIn }: { prompt?: string; onSignIn?: () => void }) {
  const [email, setEmail] = useState("");
  const signIn = useSignIn();
  const inputId = useId();
  const errorId = useId();
  // Too many sign-ins from here: when the store said to come back (browser clock, from Retry-After).
  const [retryWait, setRetryWait] = useState<{ until: number; seconds: number; isOver: boolean } | null>(null);
  // Only an address the store refused is marked invalid; a throttled or failed sign-in is not the field's fault.
  const isInvalid = signIn.error instanceof ApiError && signIn.error.code === "invalid_request";

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setRetryWait(null);
    onSignIn?.();
    signIn.mutate(email.trim(), {
      onError: (err) => {
        const seconds = err instanceof ApiError ? err.retryAfterSeconds : undefined;
        if (seconds !== undefined) setRetryWait({ until: Date.now() + seconds * 1000, seconds, isOver: false });
      },
    });
  };

  return (
    <form onSubmit={onSubmit} className="flex flex-col gap-2">
      <label htmlFor={inputId} className="text-sm font-medium">
        {prompt}
      </label>
      <div className="flex flex-col gap-2 sm:flex-row">
        <input
          id={inputId}
          type="email"
          name="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={isInvalid || undefined}
          aria-describedby={signIn.isError ? errorId : undefined}
          // Grows only beside the button (a row); in the phone's column `flex-1` would set its height to 0 plus its text.
          className="h-12 min-w-0 sm:flex-1 rounded-lg border border-zinc-400 bg-white px-3 text-base dark:border-zinc-600 dark:bg-zinc-900"
          placeholder="you@example.com"
        />
        <button
          type="submit"
          disabled={signIn.isPending}
          className="h-12 rounded-lg border border-transparent bg-zinc-900 px-5 font-semibold text-white hover:bg-zinc-700 disabled:opacity-60 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300"
        >
          {signIn.isPending ? "Signing in…" : "Sign in"}
        </button>
      </div>
      {signIn.isError && (
        <p id={errorId} role="alert" className="text-sm text-red-700 dark:text-red-400">
          {!isInvalid
            ? errorMessage(signIn.error)
            : (signIn.variables?.length ?? 0) > MAX_EMAIL_LENGTH
              ? `That address is longer than an email address can be (${MAX_EMAIL_LENGTH} characters at most).`
              : "That doesn't look like an email address. Try one like you@example.com."}
          {retryWait !== null && (
            <>
              {" "}
              {/* Read out once as a whole wait; the seconds ticking by are for the eyes only. */}
              <span className="sr-only">Try again in {retryWait.seconds} seconds.</span>
              <span aria-hidden data-testid="sign-in-wait">
                {retryWait.isOver ? "You can try again now." : <>Try again in <RetryCountdown until={retryWait.until} onDone={() => setRetryWait({ ...retryWait, isOver: true })} />.</>}
              </span>
            </>
          )}
        </p>
      )}
    </form>
  );
}

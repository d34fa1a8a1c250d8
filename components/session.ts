"use client";

import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api, ApiError } from "./api";

export type SessionUser = { id: string; email: string };

// The queries that belong to whoever is signed in: gone, or asked again, when that changes.
const SHOPPER_QUERIES = ["my-order", "orders", "order"] as const;
// Every tab of the store on this browser shares one session cookie; a sign-in or sign-out in one is
// told to the others at once, so none shows (or buys as) a shopper the cookie no longer names.
const CHANNEL = "flash-sale-session";
// Why nobody is signed in, as far as this tab knows: a sign-out (here or in another tab), a session
// that ended by itself (a 401, or a user the cookie no longer names), or nothing (never signed in).
type Ended = "signed-out" | "expired" | null;
type SessionMessage = { user: SessionUser | null; ended: Ended };

async function fetchSession(): Promise<SessionUser | null> {
  try {
    return (await api<{ user: SessionUser }>("/api/session")).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

// A session the store could not tell (a 503 while the database restarts, the network gone, retries
// spent) is asked again this often, so the page comes back by itself once the store does.
const SESSION_RETRY_MS = 5000;

export function useSession() {
  // Checked again whenever the tab comes back to the front, however recent: the cookie is the
  // browser's, and another tab (or its expiry) may have changed it meanwhile.
  return useQuery({
    queryKey: ["session"],
    queryFn: fetchSession,
    staleTime: 60_000,
    refetchOnWindowFocus: "always",
    refetchInterval: (query) => (query.state.status === "error" && query.state.data === undefined ? SESSION_RETRY_MS : false),
  });
}

/**
 * Who is signed in could not be told (the session's look-up failed, none known before): the error to
 * show, in the place of a sign-in form that would wrongly tell a signed-in shopper they are not.
 */
export function sessionUnknown(session: ReturnType<typeof useSession>): Error | null {
  return session.data === undefined && session.isError ? session.error : null;
}

/** Whether this tab saw the session end by itself (expired, or the cookie cleared), rather than by a sign-out. */
export function useSessionExpired(): boolean {
  return useQuery<Ended>({ queryKey: ["session-ended"], queryFn: () => null, initialData: null, staleTime: Infinity }).data === "expired";
}

function broadcast(message: SessionMessage): void {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(message);
  channel.close();
}

function showSession(queryClient: QueryClient, user: SessionUser | null, ended: Ended): void {
  queryClient.setQueryData(["session"], user);
  queryClient.setQueryData<Ended>(["session-ended"], user === null ? ended : null);
  // A look-up of the session still on its way was asked before this change, and its answer would undo
  // it (a sign-out shown signed in again when the tab's check on coming to the front answers late). It is
  // cancelled; the query keeps what was set just above (the state a cancel restores).
  void queryClient.cancelQueries({ queryKey: ["session"], exact: true });
}

/**
 * The store answered 401 `unauthenticated`: the cookie has expired or was cleared (a sign-out in
 * another tab). Every view shows the sign-in form, saying why, and the other tabs are told.
 */
export function sessionEnded(queryClient: QueryClient): void {
  if (queryClient.getQueryData(["session"]) === null && queryClient.getQueryData(["session-ended"]) === "expired") return;
  showSession(queryClient, null, "expired");
  broadcast({ user: null, ended: "expired" });
}

export const isSignedOutError = (err: unknown): boolean => err instanceof ApiError && err.status === 401 && err.code === "unauthenticated";

/**
 * A shopper's query asked beside the session's own look-up rather than after it, so the page shows it
 * one round trip sooner (`enabled: session.data !== null`). Asked before the session is known, a 401 only
 * means nobody is signed in, which the session's answer says too: `signedOut`, not a sign-in that ended.
 * A visitor who never signed in pays one 401 for it, answered before any database work.
 */
export async function besideSession<T>(queryClient: QueryClient, ask: () => Promise<T>, signedOut: T): Promise<T> {
  const isSessionKnown = queryClient.getQueryData(["session"]) !== undefined;
  try {
    return await ask();
  } catch (err) {
    if (!isSessionKnown && isSignedOutError(err)) return signedOut;
    throw err;
  }
}

/**
 * Keeps this tab on the shopper the cookie names (mounted once, in the header): another tab's sign-in
 * or sign-out is applied here as it happens, and when the shopper changes, whatever belonged to the
 * one before (their orders, an order page's polling) is dropped or asked again as the new one.
 */
export function useSessionSync(): void {
  const queryClient = useQueryClient();
  const session = useSession();
  const id = session.data === undefined ? undefined : (session.data?.id ?? null);
  const seen = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (id === undefined) return;
    const before = seen.current;
    seen.current = id;
    if (before === undefined || before === id) return;
    // Asked again (the tab came back to the front), the cookie names nobody, and nobody signed out:
    // the session ended by itself.
    if (id === null && queryClient.getQueryData<Ended>(["session-ended"]) == null) queryClient.setQueryData<Ended>(["session-ended"], "expired");
    for (const key of SHOPPER_QUERIES) {
      if (id === null) queryClient.removeQueries({ queryKey: [key] });
      else void queryClient.resetQueries({ queryKey: [key] });
    }
  }, [id, queryClient]);
  useEffect(() => {
    if (typeof BroadcastChannel === "undefined") return;
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (event: MessageEvent<SessionMessage>) => {
      const { user, ended } = event.data;
      // Another tab's sign-in or sign-out went through: a failure told here is old news.
      queryClient.setQueryData<SignOutFailure>(["sign-out-failed"], null);
      const current = queryClient.getQueryData<SessionUser | null>(["session"]);
      if (current === undefined || (current?.id ?? null) !== (user?.id ?? null)) showSession(queryClient, user, ended);
    };
    return () => channel.close();
  }, [queryClient]);
}

/** Sign in (or up) by email; everything that depends on who is signed in is fetched again. */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    // Sent even when the browser says it is offline: the form says at once that the store could not be
    // reached, rather than "Signing in…" until the connection comes back (a paused mutation).
    networkMode: "always",
    mutationFn: (email: string) => api<{ user: SessionUser }>("/api/session", { method: "POST", body: JSON.stringify({ email }) }),
    onSuccess: ({ user }) => {
      const before = queryClient.getQueryData<SessionUser | null>(["session"]);
      showSession(queryClient, user, null);
      queryClient.setQueryData<SignOutFailure>(["sign-out-failed"], null);
      // The same shopper signing in again has their queries asked again with the new cookie; a change
      // of shopper (from none, too) is useSessionSync's to apply.
      if (before?.id === user.id) for (const key of SHOPPER_QUERIES) void queryClient.invalidateQueries({ queryKey: [key] });
      broadcast({ user, ended: null });
    },
  });
}

type SignOutFailure = { userId: string; error: Error } | null;

/**
 * Why this tab's last sign-out did not go through (the store could not be reached, or answered an
 * error), while the shopper it was for is still the one signed in, until the next sign-out or sign-in
 * in any tab: told over the page's foot, the control that pressed it ("Not you?" in the Buy panel)
 * having gone with the signed-out view meanwhile.
 */
export function useSignOutFailure(): Error | null {
  const session = useSession();
  const failure = useQuery<SignOutFailure>({ queryKey: ["sign-out-failed"], queryFn: () => null, initialData: null, staleTime: Infinity }).data;
  return failure && session.data && failure.userId === session.data.id ? failure.error : null;
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    // Sent even when the browser says it is offline: a sign-out paused until the connection came back
    // would show the shopper signed out with the cookie still there, for the next person at this
    // browser if the tab is closed meanwhile. Offline, it fails at once and says so.
    networkMode: "always",
    mutationFn: () => api<void>("/api/session", { method: "DELETE" }),
    // Signed out on screen at once, before the request answers: whatever runs for this shopper (a Buy
    // waiting to retry) stops now, not after a round trip in which it could still go out.
    onMutate: () => {
      const previous = queryClient.getQueryData<SessionUser | null>(["session"]);
      queryClient.setQueryData<SignOutFailure>(["sign-out-failed"], null);
      showSession(queryClient, null, "signed-out");
      return { previous };
    },
    onError: (err, _vars, context) => {
      // Still signed in (the cookie is still there): show it again, and say why.
      const previous = context?.previous;
      if (previous !== undefined) showSession(queryClient, previous, null);
      if (previous) {
        const failure: SignOutFailure = { userId: previous.id, error: err };
        queryClient.setQueryData(["sign-out-failed"], failure);
      }
    },
    onSuccess: () => {
      showSession(queryClient, null, "signed-out");
      broadcast({ user: null, ended: "signed-out" });
    },
  });
}

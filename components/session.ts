"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError } from "./api";

export type SessionUser = { id: string; email: string };

async function fetchSession(): Promise<SessionUser | null> {
  try {
    return (await api<{ user: SessionUser }>("/api/session")).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function useSession() {
  return useQuery({ queryKey: ["session"], queryFn: fetchSession, staleTime: 60_000 });
}

/** Sign in (or up) by email; everything that depends on who is signed in is fetched again. */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (email: string) => api<{ user: SessionUser }>("/api/session", { method: "POST", body: JSON.stringify({ email }) }),
    onSuccess: ({ user }) => {
      queryClient.setQueryData(["session"], user);
      void queryClient.invalidateQueries({ queryKey: ["my-order"] });
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
      // An order the store stopped showing (a sign-out in another tab) is asked for again with the new cookie.
      void queryClient.invalidateQueries({ queryKey: ["order"] });
    },
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>("/api/session", { method: "DELETE" }),
    // Signed out on screen at once, before the request answers: whatever runs for this shopper (a Buy
    // waiting to retry) stops now, not after a round trip in which it could still go out.
    onMutate: () => {
      const previous = queryClient.getQueryData(["session"]);
      queryClient.setQueryData(["session"], null);
      return { previous };
    },
    onError: (_err, _vars, context) => {
      // Still signed in (the cookie is still there): show it again.
      if (context?.previous !== undefined) queryClient.setQueryData(["session"], context.previous);
    },
    onSuccess: () => {
      queryClient.setQueryData(["session"], null);
      queryClient.removeQueries({ queryKey: ["my-order"] });
      queryClient.removeQueries({ queryKey: ["orders"] });
      queryClient.removeQueries({ queryKey: ["order"] });
    },
  });
}

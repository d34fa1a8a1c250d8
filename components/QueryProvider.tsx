"use client";

import { QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ApiError } from "./api";
import { isSignedOutError, sessionEnded } from "./session";

// The fetch helper moved to ./api; this path keeps working for code that imports it from here.
export { api, ApiError, NetworkError } from "./api";

export function QueryProvider({ children }: { children: ReactNode }) {
  // One client per browser tab, created once (not on every render).
  const [client] = useState(() => {
    // Any shopper query answered 401 means the session is over, whichever view asked: every view (and
    // the header) shows it, not only the one that asked. The admin's queries have their own sign-in.
    const queryCache = new QueryCache({
      onError: (error, query) => {
        if (query.queryKey[0] !== "admin" && isSignedOutError(error)) sessionEnded(client);
      },
    });
    const client: QueryClient = new QueryClient({
      queryCache,
      defaultOptions: {
        queries: {
          // Sale data changes by the second; views that need fresher data say so.
          staleTime: 1000,
          // A 4xx will not get better by asking again; a network blip or a 5xx may.
          retry: (failures, error) => failures < 3 && !(error instanceof ApiError && error.status < 500),
        },
      },
    });
    return client;
  });
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

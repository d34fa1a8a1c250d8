"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { ApiError } from "./api";

// The fetch helper moved to ./api; this path keeps working for code that imports it from here.
export { api, ApiError, NetworkError } from "./api";

export function QueryProvider({ children }: { children: ReactNode }) {
  // One client per browser tab, created once (not on every render).
  const [client] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            // Sale data changes by the second; views that need fresher data say so.
            staleTime: 1000,
            // A 4xx will not get better by asking again; a network blip or a 5xx may.
            retry: (failures, error) => failures < 3 && !(error instanceof ApiError && error.status < 500),
          },
        },
      }),
  );
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

// HTTP helpers for tests that talk to real `next start` processes.

export type Answer = { status: number; headers: Headers; text: string; json: any };

export type RequestOptions = {
  method?: string;
  cookie?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string, bytes or a stream (chunked, no Content-Length) as they are. */
  body?: unknown;
  timeoutMs?: number;
};

export async function request(url: string, options: RequestOptions = {}): Promise<Answer> {
  const headers = new Headers(options.headers);
  if (options.cookie) headers.set("cookie", options.cookie);
  let body: BodyInit | undefined;
  if (typeof options.body === "string" || options.body instanceof Uint8Array || options.body instanceof ReadableStream) body = options.body as BodyInit;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const init: RequestInit & { duplex?: "half" } = { method: options.method ?? "GET", headers, body, redirect: "manual", signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) };
  if (options.body instanceof ReadableStream) init.duplex = "half";
  const res = await fetch(url, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Signs a shopper in through POST /api/session; returns the `name=value` cookie to send back. */
export async function signIn(baseUrl: string, email: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await request(`${baseUrl}/api/session`, { method: "POST", body: { email }, headers });
  const setCookie = res.headers.get("set-cookie");
  if (res.status !== 200 || !setCookie) throw new Error(`sign-in of ${email} failed: ${res.status} ${res.text}`);
  return setCookie.split(";")[0]!;
}

export function buyOver(baseUrl: string, saleId: string, cookie: string, headers: Record<string, string> = {}) {
  return request(`${baseUrl}/api/sales/${saleId}/orders`, { method: "POST", cookie, headers });
}

/**
 * The X-Forwarded-For header of simulated client number `n` (10.x.y.z): the test stacks trust it, as
 * behind a proxy, so shoppers in a storm come from addresses of their own like real ones do.
 */
export function fromClient(n: number): Record<string, string> {
  return { "x-forwarded-for": `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
}

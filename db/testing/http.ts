// Drives route handlers in-process with real Request objects, as Next.js calls them.

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export type CallOptions = {
  method?: string;
  params?: Record<string, string>;
  cookie?: string;
  headers?: Record<string, string>;
  /** A value to send as JSON, or a string, bytes or a stream sent as they are. */
  body?: unknown;
};

export async function call(handler: unknown, url: string, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  if (options.cookie) headers.set("cookie", options.cookie);
  let body: BodyInit | undefined;
  if (options.body instanceof ReadableStream || typeof options.body === "string" || options.body instanceof Uint8Array) {
    body = options.body as BodyInit;
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const init: RequestInit & { duplex?: "half" } = { method: options.method ?? "GET", headers, body, duplex: "half" };
  const req = new Request(new URL(url, "http://127.0.0.1"), init);
  const res = await (handler as Handler)(req, { params: Promise.resolve(options.params ?? {}) });
  const text = await res.text();
  // Not every route answers JSON (/api/metrics is Prometheus text): `json` only for a JSON answer.
  const isJson = /^application\/json/.test(res.headers.get("content-type") ?? "");
  const json = text && isJson ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  return { status: res.status, headers: res.headers, json: json as any, text, res };
}

/** The `name=value` part of a Set-Cookie header, ready to send back as a Cookie header. */
export function cookieFrom(res: Response): string {
  const header = res.headers.get("set-cookie");
  if (!header) throw new Error("no Set-Cookie in the response");
  return header.split(";")[0]!;
}

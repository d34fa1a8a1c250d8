// One way to fail: a typed error whose code maps to an HTTP status and the contract's JSON error shape.
const statusByCode = {
  invalid_json: 400,
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  sale_not_found: 404,
  order_not_found: 404,
  dead_letter_not_found: 404,
  method_not_allowed: 405,
  sale_not_started: 409,
  sale_ended: 409,
  conflict: 409,
  sold_out: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  busy: 503,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof statusByCode;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds?: number;
  readonly details?: unknown;

  /** For a 405: the methods the endpoint answers (the `Allow` header). */
  readonly allow?: string;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number; details?: unknown; allow?: string } = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = statusByCode[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
    this.allow = options.allow;
  }

  toResponse(): Response {
    const headers: Record<string, string> = { "cache-control": "no-store" };
    if (this.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(this.retryAfterSeconds)));
    if (this.allow !== undefined) headers.allow = this.allow;
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return Response.json({ error }, { status: this.status, headers });
  }
}

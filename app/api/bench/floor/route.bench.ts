// Benchmark-only (built with BENCH_ROUTES=1, never in the app): the framework's own cost per request.
export const POST = async () => Response.json({ ok: true });

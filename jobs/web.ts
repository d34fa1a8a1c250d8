// First: a stop signal while the modules load is remembered, not fatal (taken over below).
import { onStopSignal } from "./early-signals";
// Then, before Next.js and any request: the scope for timers that outlive a request.
import "@/db/detached";
import http from "node:http";
import type { Duplex } from "node:stream";
import next from "next";
import { closeDb } from "@/db/client";
import { config } from "@/db/config";
import { markDraining } from "@/db/health";
import { log, markStopping, shutdownLevel } from "@/db/log";
import { flushRejectionSummary } from "@/db/metrics";
import { MAX_BODY_BYTES } from "@/app/_lib/http";
import { CLIENT_IP_HEADER } from "@/app/_lib/rate-limit";
import { SECURITY_HEADERS } from "@/app/_lib/security-headers";
import { stopWebBoss } from "./boss";
import { WEB_READY_MSG } from "./launch";
import { shownUrl } from "./urls";

// The web process: the production Next.js app behind our own node:http server. `next start` exits
// 143 on SIGTERM and leaves the app's database pool to die with it; here a SIGTERM stops accepting
// connections, lets every request in flight finish, closes pg-boss and the pool, and exits 0.

const DRAIN_TIMEOUT_MS = 10_000;
// After SIGTERM the listener stays open until no connection has arrived for ACCEPT_QUIET_MS (at most
// ACCEPT_GRACE_MS): close() would reset the connections the kernel already queued for it, whose
// requests were sent and would never be answered. A connection refused once it is closed is plain.
const ACCEPT_QUIET_MS = 100;
const ACCEPT_GRACE_MS = 1000;

/** Whether the path's percent-escapes decode: Next.js answers one that does not with a plain-text 500. */
function isDecodablePath(url = "/"): boolean {
  const queryAt = url.indexOf("?");
  try {
    decodeURIComponent(queryAt === -1 ? url : url.slice(0, queryAt));
    return true;
  } catch {
    return false;
  }
}

// The security headers of the answers this server gives itself (next.config.ts sets Next's): a fixed
// page or JSON body that loads nothing, so the policy can forbid everything but its inline style.
const OWN_ANSWER_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  ...SECURITY_HEADERS,
  "cache-control": "no-store",
};

/** The contract's error body, for the answers this server gives before Next.js (or Node's parser) would. */
const errorBody = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/** The headers of a JSON answer this server gives itself. */
const ownJsonHeaders = (body: string) => ({ ...OWN_ANSWER_HEADERS, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) });

/** Whether a request's URL is the API's: `/api` itself is an API route too (app/api/[[...path]]), unlike `/apiary`. */
const isApiPath = (url: string) => url === "/api" || url.startsWith("/api/") || url.startsWith("/api?");

// Every method some route or page answers (Next.js adds HEAD and OPTIONS). Any other that Node's parser
// accepts (TRACE, WebDAV's PROPFIND and the like) would reach Next.js, which answers TRACE
// with a plain-text 500 and PROPFIND with an empty 400.
const SERVED_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** 501: a method this app serves on no path, in the contract's JSON shape (no browser sends one). */
function answerUnservedMethod(req: http.IncomingMessage, res: http.ServerResponse): void {
  const body = errorBody("not_implemented", `This server does not handle the ${req.method} method.`);
  res.writeHead(501, ownJsonHeaders(body)).end(body);
}

/** 400: JSON for the API, a short page with a way back for a browser. */
function answerMalformedPath(req: http.IncomingMessage, res: http.ServerResponse): void {
  const message = "The URL's path is not validly percent-encoded.";
  if (isApiPath(req.url ?? "/")) {
    const body = errorBody("invalid_request", message);
    res.writeHead(400, ownJsonHeaders(body)).end(body);
    return;
  }
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not a valid address · Flash sale</title></head><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem"><h1>This address is not valid</h1><p>${message} Check the link, or go back to the sales.</p><p><a href="/">See the sales</a></p></body></html>`;
  res.writeHead(400, { ...OWN_ANSWER_HEADERS, "content-type": "text/html; charset=utf-8" }).end(page);
}

/**
 * A request Node's HTTP parser refuses before any handler sees it (a Content-Length that is not a
 * number, a malformed request line, headers over the limit, a request too slow to arrive) is answered
 * in the contract's JSON shape too, with the status Node itself would send, and the connection closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === "ECONNRESET" || !socket.writable) return void socket.destroy();
  const [status, code, message] =
    err.code === "HPE_HEADER_OVERFLOW"
      ? [431, "headers_too_large", "The request's headers are too large."]
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request_timeout", "The request did not arrive in time."]
        : [400, "invalid_request", "The request is not valid HTTP."];
  const body = errorBody(code, message);
  const headers = Object.entries({ ...ownJsonHeaders(body), connection: "close" });
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n${body}`);
}

/**
 * At debug, one "request" line per request when its answer is done. The API's route wrapper
 * (app/_lib/http.ts) writes the line of the requests it answers (every method of every API path,
 * OPTIONS included), with the error code; this server writes every other one: pages, assets and its
 * own answers.
 */
function logRequestWhenDone(req: http.IncomingMessage, res: http.ServerResponse, isAnsweredHere: boolean): void {
  const { method, url = "/" } = req;
  if (!isAnsweredHere && isApiPath(url)) return;
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  res.once("close", () => log.debug({ method, path, status: res.statusCode }, "request"));
}

async function main(): Promise<void> {
  // Every setting checked before anything starts: a bad one stops this process here, named.
  const { PORT: port, HOST: hostname, KEEP_ALIVE_TIMEOUT_MS: keepAliveMs } = config();
  const app = next({ dev: false, dir: process.cwd(), hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();

  let isStopping = false;
  let inFlight = 0;
  let lastConnectionAt = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const isUnserved = !SERVED_METHODS.has(req.method ?? "");
    const isMalformed = !isUnserved && !isDecodablePath(req.url);
    if (log.isLevelEnabled("debug")) logRequestWhenDone(req, res, isUnserved || isMalformed);
    if (isUnserved) return answerUnservedMethod(req, res);
    if (isMalformed) return answerMalformedPath(req, res);
    // The client's address comes from the socket, never from a header the client could write.
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";
    // While draining, every answer also closes its connection so keep-alive clients move on.
    if (isStopping) res.setHeader("connection", "close");
    inFlight++;
    res.once("close", () => inFlight--);
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, "request failed outside the app");
      if (!res.headersSent) {
        const body = errorBody("internal_error", "Something went wrong on our side. Please try again.");
        res.writeHead(500, ownJsonHeaders(body)).end(body);
      }
    });
  };
  const server = http.createServer(onRequest);
  // A client that asks before sending its body (`Expect: 100-continue`, as curl does past 1 KiB) and
  // announces one over the API's limit is not told to go on: the route answers 413 from Content-Length
  // before reading (app/_lib/http.ts), and the connection closes, as the body it announced never comes.
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (isApiPath(req.url ?? "/") && Number(req.headers["content-length"]) > MAX_BODY_BYTES) res.setHeader("connection", "close");
    else res.writeContinue();
    onRequest(req, res);
  });
  // A proxy that reuses a connection the app has just closed as idle gets a reset and answers its
  // client 502: behind one, KEEP_ALIVE_TIMEOUT_MS is set above the proxy's own idle timeout. A request's
  // headers may take as long as the connection may sit idle before it (Node's 60 s at least).
  server.keepAliveTimeout = keepAliveMs;
  server.headersTimeout = Math.max(60_000, keepAliveMs + 1_000);
  server.on("clientError", answerClientError);
  server.on("connection", () => (lastConnectionAt = Date.now()));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, resolve);
  });
  log.info({ url: shownUrl(hostname, port) }, WEB_READY_MSG);

  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    markDraining();
    // From here, connections that fail (Postgres may be stopping at the same moment) are logged at info.
    markStopping();
    log.info({ signal, inFlight }, "web stopping: finishing the requests in flight");
    // The drain's 10 s count from the signal, the accept grace included.
    const drainEnds = Date.now() + DRAIN_TIMEOUT_MS;
    const graceEnds = Date.now() + ACCEPT_GRACE_MS;
    lastConnectionAt = Math.max(lastConnectionAt, Date.now());
    for (let now = Date.now(); now < graceEnds && now - lastConnectionAt < ACCEPT_QUIET_MS; now = Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(ACCEPT_QUIET_MS - (now - lastConnectionAt), graceEnds - now)));
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), drainEnds - Date.now()).unref());
    if ((await Promise.race([closed, timeout])) === "timeout") {
      // Requests still being answered, or connections a client left half-sent (a stalled or slow-loris
      // client: the server's own header timeout is a minute away).
      log.warn({ inFlight }, "connections still open after the drain timeout: closing them");
      server.closeAllConnections();
    }
    await app.close().catch((err: unknown) => log.error({ err }, "closing Next.js"));
    flushRejectionSummary();
    // 2 s each after the 10 s drain: the web exits on its own inside the 15 s `npm start` gives it.
    await stopWebBoss(2000);
    await closeDb(2);
    log.info("web stopped");
    process.exit(0);
  };
  onStopSignal((signal) => void stop(signal));
}

main().catch((err) => {
  // Told to stop while starting (Ctrl-C stops Postgres together with the app): a connection that
  // failed then is the stop's doing, and the stop in progress exits 0.
  if (shutdownLevel(err) === "info") return void log.info({ err }, "web stopped while starting");
  log.fatal({ err }, "web failed to start");
  process.exit(1);
});

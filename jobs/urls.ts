// The web server's URL from the host it listens on, for the supervisor's health check, the banner and
// the web's "ready" line. An IPv6 address goes in brackets: `http://::1:3000` is not a URL.

const httpUrl = (host: string, port: number) => `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

/** The URL this machine reaches the web server at, for a server listening on `host`. */
export function localUrl(host: string, port: number): string {
  return httpUrl(host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host, port);
}

/** The URL to show a person: `localhost` for a server listening on every interface. */
export function shownUrl(host: string, port: number): string {
  return httpUrl(host === "0.0.0.0" || host === "::" ? "localhost" : host, port);
}

import postgres from "postgres";

// libpq's connection URIs may name the host, port, user, password and database as query parameters:
// `postgresql:///shop?host=/run/postgresql` is the usual way to reach Postgres over its Unix socket,
// and some hosted services hand out URLs of that form. pg (under pg-boss) reads host, port, user and
// password from there but not `dbname`; postgres.js reads none of them and sends every unknown query
// parameter to the server as a run-time setting, which refuses `host` or `password`, and the
// connection with it. So both clients are given one target: `dbname` moved into the path for pg, the
// other four and the database handed to postgres.js as options. As in libpq, a query parameter wins over
// the same part of the URL. A `+` in a parameter reads as a space, to pg as here (percent-encode it as %2B).

const AS_OPTIONS = ["host", "port", "user", "password"] as const;

type Target = { url: string; options: { host?: string; port?: number; user?: string; password?: string; database?: string } };

/**
 * The connection string for pg (under pg-boss), read as libpq reads it: the URL with a `dbname` query
 * parameter moved into its path, where pg reads the database name. Every pg-boss connection goes
 * through here, as every postgres.js one goes through `connectTo`.
 */
export function pgConnectionString(raw: string): string {
  const url = new URL(raw);
  const dbname = url.searchParams.get("dbname");
  if (dbname === null) return raw;
  url.searchParams.delete("dbname");
  url.pathname = `/${encodeURIComponent(dbname)}`;
  return url.toString();
}

/**
 * What postgres.js needs to reach the database a libpq-style URL names: the URL without the parameters
 * it would misread, and those as options. The database name is always an option, decoded: postgres.js
 * takes the URL's path as it stands, so `caf%C3%A9` would name another database than pg's `café`.
 */
export function postgresJsTarget(raw: string): Target {
  const url = new URL(raw);
  const options: Target["options"] = {};
  for (const key of AS_OPTIONS) {
    const value = url.searchParams.get(key);
    if (value === null) continue;
    url.searchParams.delete(key);
    if (key === "port") options.port = Number(value);
    else options[key] = value;
  }
  const dbname = url.searchParams.get("dbname");
  url.searchParams.delete("dbname");
  const database = dbname ?? (url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : null);
  if (database !== null) options.database = database;
  return { url: url.toString(), options };
}

/** A postgres.js client for `url`, read as libpq reads a connection URI. */
export function connectTo(url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): postgres.Sql {
  const target = postgresJsTarget(url);
  return postgres(target.url, { ...target.options, ...options });
}

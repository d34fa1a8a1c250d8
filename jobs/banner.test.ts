import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { settingsLines } from "./banner";

// The settings npm start prints: every variable of the README's Configuration table, with the value in
// force (the README's default when unset), and of a secret only whether it was set.

const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8").split("\n");
const header = readme.indexOf("| variable | default | meaning |");
const rows = readme.slice(header + 2, readme.indexOf("", header));

/** The table's variables with their documented defaults; `A_PER_SECOND` / `_BURST` names two. */
const documented = rows.flatMap((row) => {
  const [, names, defaults] = row.split("|").map((cell) => cell.trim());
  const [first, second] = [...names!.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!);
  const values = defaults!.split(" / ");
  if (!second) return [{ name: first!, documentedDefault: values[0]! }];
  return [
    { name: first!, documentedDefault: values[0]! },
    { name: first!.replace(/_PER_SECOND$/, "") + second, documentedDefault: values[1]! },
  ];
});

const saved = { ...process.env };
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

/** The banner's settings lines over the README's variables all unset, plus `env`. */
async function banner(env: Record<string, string>): Promise<string> {
  for (const { name } of documented) delete process.env[name];
  Object.assign(process.env, env);
  vi.resetModules();
  const { config } = await import("@/db/config");
  return settingsLines(config()).join("\n");
}

/** The value printed for `name`, up to the next `NAME=` or the end of its line. */
function printed(text: string, name: string): string | undefined {
  return new RegExp(`(?:^|\\s)${name}=(.*?)(?=\\s+[A-Z_]+=|$)`, "m").exec(text)?.[1];
}

describe("npm start's settings lines", () => {
  it("read the README's table (the test's own check on its parsing)", () => {
    expect(documented.map((d) => d.name)).toEqual(expect.arrayContaining(["DATABASE_URL", "PORT", "RATE_LIMIT_IP_BURST", "PG_SOCKET_TIMEOUT", "WORKER_WAKE_MS"]));
    expect(documented.length).toBeGreaterThanOrEqual(25);
  });

  it("name every variable of the README's table with its documented default when unset", async () => {
    const text = await banner({});
    for (const { name, documentedDefault } of documented) {
      if (name === "DATABASE_URL") continue; // its own "Database:" line
      const value = printed(text, name);
      expect(value, `${name} is printed`).toBeDefined();
      // Plain numbers (and HOST's address) are printed as the README states them.
      const plain = /^`?[\d.]+`?$/.test(documentedDefault) ? documentedDefault.replaceAll("`", "") : undefined;
      if (plain !== undefined) expect(value, name).toBe(plain);
    }
    expect(printed(text, "DATA_DIR")).toBe(path.resolve(".data"));
    expect(printed(text, "PG_POOL_MAX")).toBe("(10 web, 4 each worker)");
    expect(printed(text, "ORDER_BACKLOG_MAX")).toBe("auto");
    expect(printed(text, "ADMIN_PASSWORD")).toBe("(generated)");
    expect(printed(text, "METRICS_TOKEN")).toBe("(unset: /api/metrics is open)");
  });

  it("show a value set in the environment, and of a secret only that it was set", async () => {
    const secrets = { ADMIN_PASSWORD: "admin-pw-secret-1", SESSION_SECRET: "session-secret-0123456789-0123456789", METRICS_TOKEN: "metrics-token-0123456789" };
    const text = await banner({ ...secrets, HOST: "0.0.0.0", PG_POOL_MAX: "6", PG_SOCKET_TIMEOUT: "0", WORKER_LINGER_MS: "75", ADMISSION_TX_MAX: "3", TRUST_PROXY: "true" });
    expect(printed(text, "HOST")).toBe("0.0.0.0");
    expect(printed(text, "PG_POOL_MAX")).toBe("6");
    expect(printed(text, "PG_SOCKET_TIMEOUT")).toBe("0 (off)");
    expect(printed(text, "WORKER_LINGER_MS")).toBe("75");
    expect(printed(text, "ADMISSION_TX_MAX")).toBe("3");
    expect(printed(text, "TRUST_PROXY")).toBe("1");
    for (const name of Object.keys(secrets)) expect(printed(text, name)).toBe("(from env)");
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
  });
});

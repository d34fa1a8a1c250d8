import pino from "pino";

// JSON lines on stdout; INFO by default. Cookies and credentials never reach a log line.
export const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { pid: process.pid, role: process.env.FLASH_ROLE ?? "web" },
  redact: { paths: ["password", "*.password", "cookie", "*.cookie", "headers.cookie", "secret"], censor: "[redacted]" },
});

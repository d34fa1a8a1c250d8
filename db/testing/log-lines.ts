import pino from "pino";
import { vi } from "vitest";
import { log } from "../log";
import { parseLogLine, type LogLine } from "./json-lines";

export type { LogLine } from "./json-lines";

/**
 * Keeps every line this process's logger writes, at debug and above, until `stop()`: `raw` as written
 * (what an operator's log store would hold), `lines()` parsed.
 */
export function captureLogLines(): { raw: string[]; lines: () => LogLine[]; stop: () => void } {
  const stream = (log as unknown as Record<symbol, { write: (chunk: string) => boolean }>)[pino.symbols.streamSym]!;
  const raw: string[] = [];
  const write = vi.spyOn(stream, "write").mockImplementation((chunk: string) => raw.push(chunk) > 0);
  const level = log.level;
  log.level = "debug";
  return {
    raw,
    lines: () => raw.map(parseLogLine),
    stop: () => {
      log.level = level;
      write.mockRestore();
    },
  };
}

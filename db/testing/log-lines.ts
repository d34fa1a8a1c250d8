import pino from "pino";
import { vi } from "vitest";
import { log } from "../log";

export type LogLine = {
  level: number;
  msg: string;
  err?: { type?: string; message: string; code?: string; stack?: string; cause?: { message: string; code?: string } };
} & Record<string, unknown>;

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
    lines: () => raw.map((l) => JSON.parse(l) as LogLine),
    stop: () => {
      log.level = level;
      write.mockRestore();
    },
  };
}

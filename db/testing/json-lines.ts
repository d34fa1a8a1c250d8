// The app's log lines as a test reads them back from what a process printed. Nothing else is imported
// here, so a helper that only reads output (db/testing/supervisor.ts) need not load the logger or vitest.

/** One JSON log line of the app's logger (db/log.ts): its level, message, compact error and any other field. */
export type LogLine = {
  level: number;
  msg: string;
  err?: { type?: string; message: string; code?: string; stack?: string; cause?: { message: string; code?: string } };
} & Record<string, unknown>;

/** One printed line as a log line; throws if it is not JSON. */
export function parseLogLine(line: string): LogLine {
  return JSON.parse(line) as LogLine;
}

/**
 * The log lines among printed lines: those that start with "{". Such a line that is not JSON throws,
 * unless `skipUnparsable` (for output that mixes in other programs' lines, where "{" may start anything).
 */
export function jsonLines(output: readonly string[], { skipUnparsable = false } = {}): LogLine[] {
  return output.flatMap((line) => {
    if (!line.startsWith("{")) return [];
    if (!skipUnparsable) return [parseLogLine(line)];
    try {
      return [parseLogLine(line)];
    } catch {
      return [];
    }
  });
}

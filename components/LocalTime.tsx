import { formatTime } from "./format";

/**
 * A time of day in the reader's own time zone. The server renders it in its zone; the browser's render
 * may differ, which is expected, so React is told not to warn about it.
 */
export function LocalTime({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} suppressHydrationWarning>
      {formatTime(iso)}
    </time>
  );
}

import { stockWords } from "./format";

/**
 * Units left of the stock, as a bar and in words; once the sale has ended (`isEnded`), units sold
 * instead: what is left of an ended sale is no longer on offer.
 */
export function StockBar({ remaining, stock, isEnded = false, className = "" }: { remaining: number; stock: number; isEnded?: boolean; className?: string }) {
  const shown = isEnded ? stock - remaining : remaining;
  const percent = stock > 0 ? Math.round((shown / stock) * 100) : 0;
  const isLow = !isEnded && remaining > 0 && percent <= 20;
  const words = stockWords(remaining, stock, isEnded);
  return (
    <div className={className}>
      <div
        role="progressbar"
        aria-label={isEnded ? "Units sold" : "Units left"}
        aria-valuemin={0}
        aria-valuemax={stock}
        aria-valuenow={shown}
        aria-valuetext={words}
        // In forced colours (Windows High Contrast) backgrounds give way to the theme's: the track keeps
        // an outline and the fill its own system colour, so the bar still shows how much is left.
        className="h-2 overflow-hidden rounded-full bg-zinc-200 forced-colors:border forced-colors:border-[CanvasText] dark:bg-zinc-800"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-500 motion-reduce:transition-none forced-colors:bg-[Highlight] forced-colors:[forced-color-adjust:none] ${isEnded ? "bg-zinc-400 dark:bg-zinc-600" : isLow ? "bg-red-500" : "bg-amber-500"}`}
          style={{ width: `${percent}%` }}
        />
      </div>
      <p data-testid="stock" className="mt-1 text-sm tabular-nums text-zinc-600 dark:text-zinc-400">
        {words}
        {isLow && <span className="font-semibold text-red-700 dark:text-red-400"> · almost gone</span>}
      </p>
    </div>
  );
}

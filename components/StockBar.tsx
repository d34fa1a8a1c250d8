/** Units left of the stock, as a bar and in words. */
export function StockBar({ remaining, stock, className = "" }: { remaining: number; stock: number; className?: string }) {
  const percent = stock > 0 ? Math.round((remaining / stock) * 100) : 0;
  const isLow = remaining > 0 && percent <= 20;
  return (
    <div className={className}>
      <div
        role="progressbar"
        aria-label="Units left"
        aria-valuemin={0}
        aria-valuemax={stock}
        aria-valuenow={remaining}
        aria-valuetext={`${remaining} of ${stock} left`}
        className="h-2 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div
          className={`h-full rounded-full transition-[width] duration-500 ${isLow ? "bg-red-500" : "bg-amber-500"}`}
          style={{ width: `${percent}%` }}
        />
      </div>
      <p data-testid="stock" className="mt-1 text-sm tabular-nums text-zinc-600 dark:text-zinc-400">
        {remaining === 0 ? "None left" : `${remaining} of ${stock} left`}
        {isLow && <span className="font-semibold text-red-700 dark:text-red-400"> · almost gone</span>}
      </p>
    </div>
  );
}

import { exitWith, runChild } from "./side-by-side";

// `npm run check`: the typecheck and lint, side by side (about 20 s and 15 s alone, neither waiting on the
// other). Each one's report is shown whole when it ends, then its verdict.
void Promise.all(["typecheck", "lint"].map((script) => runChild("npm", ["run", "--silent", script], { label: script, output: "at-end" }))).then(exitWith);

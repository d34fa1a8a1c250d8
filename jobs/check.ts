import { exitWith, runChild } from "./side-by-side";

// `npm run check`: the typecheck and lint, side by side (about 15 s and 12 s alone from a cold cache,
// each using more than one core, so together about 21 s, not 27). Each one's report is shown whole when
// it ends, then its verdict.
void Promise.all(["typecheck", "lint"].map((script) => runChild("npm", ["run", "--silent", script], { label: script, output: "at-end" }))).then(exitWith);

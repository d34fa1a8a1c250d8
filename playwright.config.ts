import { defineConfig, devices } from "@playwright/test";

// Browser tests run against a production build (`next start`), a real worker and a throwaway embedded
// Postgres, all started once by e2e/global-setup.ts on 127.0.0.1 and shared by every spec.
const port = Number(process.env.E2E_PORT) || 3210;

// Most specs only make and read their own sales and shoppers (`createSale`, `shopperEmail`), so they run
// three at a time ("parallel"). A spec is exclusive, and runs alone after all of them, when it:
// locks a table (every other test's requests would stall behind it), starts, stops or kills processes,
// changes state the whole database or server shares (all admin sessions, the order backlog), or asserts
// on global lists or counts that other tests' data would change (the sales list's pages, empty states,
// dead-letter or metrics totals). A new spec goes in the parallel project only if none of that holds.
// Running one exclusive spec alone: `npx playwright test e2e/busy.spec.ts --no-deps` (without --no-deps
// Playwright runs the whole parallel project first, as a dependency).
const exclusiveSpecs = [
  "admin-whole-shop.spec.ts", // Sign out everywhere ends every admin's session; the sales list's pages count every sale
  "busy.spec.ts", // its own web process whose backlog bound counts every pending order in the database
  "shutdown.spec.ts", // its own web processes, SIGTERMed under a 300-shopper storm; locks the sales table
  "stalled-database.spec.ts", // locks the sales table, then the admin sessions' table
].map((file) => `**/${file}`);

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  globalSetup: "./e2e/global-setup.ts",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // In the parallel project every test is on its own: tests make their own sales and shoppers, so two
  // tests of one file may run at once, in different workers, and the three workers stay busy to the end
  // instead of waiting on the last long file. Run twice each, alternating (`CI=true npx playwright test
  // --project=parallel`, with and without `--fully-parallel`): 343 and 316 s against 368 and 362 s, all
  // 137 passed. The exclusive project's tests run one at a time, in file order.
  // Three at a time on two cores: much of a browser test is waiting (for a poll, a countdown, a lock to
  // go), and with two workers the machine was 60 % busy. The whole suite took 9.3 min with three workers
  // (71 % busy) against 10.5 min with two (60 %), run one after the other (`npx playwright test
  // --workers=N`, the busy time from /proc/stat). Four took 8.1 min with the machine 81 % busy, which
  // leaves the tests' clocks little margin; the one test that failed there counted other tests' sales and
  // has been mended since, so the choice of three rests on that margin, not on the failure.
  workers: 3,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    // A failed test keeps its trace (actions, DOM snapshots, network, console, screencast) and a
    // screenshot. The screencast costs about a sixth of the tests' time on two cores (the a11y and
    // admin-resilience specs took 368 s of tests with it, 309 s with `--trace off`, in one
    // measurement), and is kept: the one CI run without it had a click wait out the test's minute for
    // the button to be "stable", a check made on the page's animation frames, with the button on
    // screen and the page's scripts running; headless Chromium can stop drawing a page that nothing
    // asks frames of, and a screencast asks for them.
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    // The pages as a shopper who asks for reduced motion sees them: the loading placeholders and a
    // waiting order's spinner stand still. No test is about the motion itself, except the one in
    // a11y.spec.ts that asks for both and checks each; and a moving placeholder is drawn anew on every
    // frame, each frame also a frame of the screencast: on two cores `npx playwright test
    // e2e/buy-resilience.spec.ts e2e/shopper-edges.spec.ts` took 225 CPU-s (138 s) with the motion and
    // 165 CPU-s (120 s) without this line, in one measurement side by side (the machine's busy time
    // from /proc/stat).
    reducedMotion: "reduce",
    launchOptions: {
      // Debian's Chromium in its headless build (package chromium-headless-shell), as Playwright runs
      // headless tests in a headless-shell build of Chromium wherever it can download one (it cannot
      // here): the same engine as the browser, without the browser's own windows and UI. On two cores
      // it takes half the CPU of the whole browser for the same tests: `npx playwright test
      // e2e/buy-resilience.spec.ts e2e/shopper-edges.spec.ts` took 137 and 144 CPU-s (139 and 137 s)
      // against 263 and 265 CPU-s (181 and 179 s) in `/usr/bin/chromium`, alternating, in one
      // measurement. The suite passes in both: `CHROMIUM_PATH=/usr/bin/chromium npx playwright test`
      // runs it in the whole browser.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium-headless-shell",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  projects: [
    { name: "parallel", testIgnore: exclusiveSpecs, fullyParallel: true, use: { ...devices["Desktop Chrome"] } },
    { name: "exclusive", testMatch: exclusiveSpecs, dependencies: ["parallel"], workers: 1, use: { ...devices["Desktop Chrome"] } },
  ],
});

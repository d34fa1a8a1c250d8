import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { latencyChart, lineChart } from "./charts";
import { createLiveSale, createShoppers, topStatements, walFlushes } from "./data";
import { baselineEngine, ceilingOfDurableWrites, ourEngine } from "./engine";
import { closedLoop, mergeLoads, newPool, summarize, unexpectedAnswers } from "./load";
import { drain, floorLoad, naivePath, naiveStorm, openLoopSideBySide, storm } from "./phases";
import { writeResults } from "./report";
import { cpuMs, machineBusyMs, postgresCpu, postgresDelta } from "./cpu";
import { rssMiB, startStack } from "./stack";
import { countOf, histogramDelta, quantileMs, readWebHistograms, type Histogram } from "./web-metrics";

// `npm run bench [-- --quick] [--flag value …]`: the flash-sale storm beside the floor, the ceiling of
// durable writes, the naive baseline and the allocation engine, all in one run on this machine.

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    // The web's garbage collections on the output (node's --trace-gc), for a diagnostic run.
    "trace-gc": { type: "boolean", default: false },
    stock: { type: "string" },
    shoppers: { type: "string" },
    requests: { type: "string" },
    concurrency: { type: "string" },
    rate: { type: "string" },
    "open-seconds": { type: "string" },
    "open-slices": { type: "string" },
    workers: { type: "string" },
    port: { type: "string" },
    seed: { type: "string" },
    // A Postgres setting for a diagnostic run, e.g. `--pg synchronous_commit=off` (repeatable). Such a
    // run, like one with a tuning variable set, measures something other than the app as shipped: it
    // never becomes latest.*.
    pg: { type: "string", multiple: true, default: [] },
  },
});

const isQuick = flags.quick!;
const num = (value: string | undefined, full: number, quick: number) => (value !== undefined ? Number(value) : isQuick ? quick : full);
const settings = {
  isQuick,
  stock: num(flags.stock, 1000, 200),
  shoppers: num(flags.shoppers, 10_000, 2000),
  requests: num(flags.requests, 20_000, 4000),
  concurrency: num(flags.concurrency, 200, 200),
  // Enough load that the processes reach their working heap before "after warm-up" memory is read:
  // V8 grows a heap to what the traffic needs and keeps it, so a lighter warm-up reads a heap still growing.
  warmup: isQuick ? 5000 : 10_000,
  floorRequests: isQuick ? 4000 : 20_000,
  openSeconds: num(flags["open-seconds"], 20, 6),
  // The open loop alternates floor and Buy in this many slices each.
  openSlices: num(flags["open-slices"], 4, 2),
  engineOrders: isQuick ? 8000 : 20_000,
  baselineEngineOrders: isQuick ? 2000 : 5000,
  baselineEngineConnections: 8,
  ceilingSeconds: isQuick ? 3 : 5,
  workers: num(flags.workers, 1, 1),
  port: num(flags.port, 3307, 3307),
  seed: num(flags.seed, 42, 42),
  rate: flags.rate !== undefined ? Number(flags.rate) : undefined,
};
for (const [key, value] of Object.entries(settings)) {
  if (typeof value === "number" && !(Number.isFinite(value) && value > 0)) throw new Error(`--${key} must be a positive number`);
}
if (settings.requests < settings.shoppers) throw new Error("--requests must be at least --shoppers (every shopper clicks once)");

/**
 * Whether this run measures the defaults: no flag but `--port` (where it listens changes nothing it
 * measures). Only such a run, without tuning variables, becomes latest.*: the figures the README quotes.
 */
const isDefaultRun = () => Object.entries(flags).every(([name, value]) => name === "port" || value === undefined || value === false || (Array.isArray(value) && value.length === 0));

const log = (line: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const stamp = new Date().toISOString().replace(/:/g, "-").replace(/\..+/, "Z");
const resultsDir = path.join(process.cwd(), "bench", "results", isQuick ? "quick" : "");
const profileDir = flags.profile ? path.join(process.cwd(), "bench", "results", "profiles", stamp) : undefined;

async function main() {
  log(`settings ${JSON.stringify(settings)}`);
  const pgSettings = flags.pg!;
  const tuningPrefix = tuning();
  for (const setting of pgSettings) if (!/^[a-z_.]+=[\w.-]+$/.test(setting)) throw new Error(`--pg takes name=value, not ${setting}`);
  const stack = await startStack({ port: settings.port, workers: settings.workers, profileDir, traceGc: flags["trace-gc"], pgSettings, log });
  const sql = postgres(stack.url, { max: 4, onnotice: () => {} });
  const pool = newPool(stack.origin, settings.concurrency);
  const worker = stack.workers[0];
  const memory = { web: { startMiB: rssMiB(stack.web.pid), afterWarmupMiB: 0, endMiB: 0 }, worker: { startMiB: rssMiB(worker?.pid), afterWarmupMiB: 0, endMiB: 0 }, afterEachPhase: [] as { phase: string; webMiB: number; workerMiB: number }[] };
  const phaseDone = (phase: string) => memory.afterEachPhase.push({ phase, webMiB: rssMiB(stack.web.pid), workerMiB: rssMiB(worker?.pid) });
  // CPU spent per request in a phase, by the web and worker processes, by Postgres (by role), by this
  // process (the load generator and its checks) and by the whole machine: a cost that other load on
  // the machine slows down but does not inflate, unlike wall-clock throughput. On a machine whose
  // cores run all of them, a request's latency depends on the sum, not on the web process alone.
  // A phase timed in several slices (the open loop's) adds them up.
  type CpuTotals = { webMs: number; workerMs: number; postgresMs: number; postgresByRole: Record<string, number>; benchMs: number; machineMs: number; requests: number };
  const cpu: Record<string, Record<string, unknown>> = {};
  const cpuTotals: Record<string, CpuTotals> = {};
  const timed = async <T extends { requests: number }>(phase: string, run: () => Promise<T>): Promise<T> => {
    const pg0 = await postgresCpu(sql);
    const [web0, worker0, machine0, bench0] = [cpuMs(stack.web.pid), cpuMs(worker?.pid), machineBusyMs(), process.cpuUsage()];
    const result = await run();
    const [web1, worker1, machine1, bench1] = [cpuMs(stack.web.pid), cpuMs(worker?.pid), machineBusyMs(), process.cpuUsage(bench0)];
    const pg = postgresDelta(pg0, await postgresCpu(sql));
    const total = (cpuTotals[phase] ??= { webMs: 0, workerMs: 0, postgresMs: 0, postgresByRole: {}, benchMs: 0, machineMs: 0, requests: 0 });
    total.webMs += web1 - web0;
    total.workerMs += worker1 - worker0;
    total.postgresMs += pg.totalMs;
    for (const [role, ms] of Object.entries(pg.byRole)) total.postgresByRole[role] = (total.postgresByRole[role] ?? 0) + ms;
    total.benchMs += (bench1.user + bench1.system) / 1000;
    total.machineMs += machine1 - machine0;
    total.requests += result.requests;
    const round = (ms: number) => Math.round((ms / Math.max(1, total.requests)) * 1000) / 1000;
    cpu[phase] = {
      webMsPerRequest: round(total.webMs),
      workerMsPerRequest: round(total.workerMs),
      postgresMsPerRequest: round(total.postgresMs),
      postgresByRole: Object.fromEntries(Object.entries(total.postgresByRole).map(([role, ms]) => [role, round(ms)])),
      benchMsPerRequest: round(total.benchMs),
      machineMsPerRequest: round(total.machineMs),
    };
    return result;
  };
  try {
    const openCount = settings.rate ? Math.round(settings.rate * settings.openSeconds) : 0;
    const shoppers = await createShoppers({ sql, count: Math.max(settings.shoppers, settings.engineOrders, openCount, 30_000), secret: stack.sessionSecret });
    const stormShoppers = shoppers.slice(0, settings.shoppers);
    // The engine phase: a queue of settings.engineOrders orders, half of them sold, drained by the
    // worker. The warm-up runs the same, so the worker's heap is at its working size before it is read.
    const engineRun = (from: typeof shoppers) => ourEngine({ url: stack.url, userIds: from.map((u) => u.id), stock: settings.engineOrders / 2, timeoutMs: 120_000 });

    log(`warm-up: ${settings.warmup} requests to each route`);
    const warmSale = await createLiveSale({ sql, name: "Bench warm-up", stock: settings.warmup });
    const warmNaive = await createLiveSale({ sql, name: "Bench warm-up naive", stock: settings.warmup });
    const warmShoppers = shoppers.slice(-settings.warmup);
    // At full concurrency, so every connection is open before anything is measured (200 connects at
    // once overflow the listen backlog, and a dropped SYN costs a second or three).
    await floorLoad({ pool, requests: settings.warmup, concurrency: settings.concurrency, shoppers: warmShoppers });
    await closedLoop({ pool, count: settings.warmup, concurrency: 50, maxSeconds: 120, shot: (i) => ({ method: "POST", path: `/api/sales/${warmSale}/orders`, cookie: warmShoppers[i]!.cookie }) });
    await closedLoop({ pool, count: settings.warmup, concurrency: 50, maxSeconds: 120, shot: (i) => ({ method: "POST", path: naivePath(warmNaive), cookie: warmShoppers[i]!.cookie }) });
    await drain({ sql, saleId: warmSale, timeoutMs: 60_000 });
    // The worker too: the engine phase's queue, its largest, drained in full batches. After half as many,
    // its heap was still growing in the engine phase, and the end's RSS read up to 1.36 × the warm-up's.
    await engineRun(shoppers.slice(-settings.engineOrders));
    memory.web.afterWarmupMiB = rssMiB(stack.web.pid);
    memory.worker.afterWarmupMiB = rssMiB(worker?.pid);
    if (profileDir) await sql`SELECT pg_stat_statements_reset()`;

    // Before each measured phase every connection is opened again, unmeasured: the server closes idle
    // keep-alive connections after 5 s, and 200 connects at once can cost a dropped SYN (1 s, 3 s, 7 s).
    const rewarm = () => floorLoad({ pool, requests: settings.concurrency * 2, concurrency: settings.concurrency, shoppers: warmShoppers });
    // The floor is measured in two halves, before and after the storm, so that both figures span the
    // same stretch of time on a machine whose other load comes and goes.
    log(`floor: ${settings.floorRequests / 2} requests, ${settings.concurrency} in flight`);
    const floorHalf = () => floorLoad({ pool, requests: Math.round(settings.floorRequests / 2), concurrency: settings.concurrency, shoppers: stormShoppers });
    await rewarm();
    const floorBefore = await timed("floor (first half)", floorHalf);
    log(`floor: ${Math.round(floorBefore.reqPerS)} req/s`);
    phaseDone("floor");

    log(`storm: ${settings.requests} Buy requests from ${settings.shoppers} shoppers for ${settings.stock} units`);
    await rewarm();
    const s = await timed("storm", async () => {
      const result = await storm({ pool, sql, shoppers: stormShoppers, stock: settings.stock, requests: settings.requests, concurrency: settings.concurrency, pollTimeoutMs: 120_000, seed: settings.seed });
      return { ...result, requests: result.load.requests };
    });
    log(`storm: ${Math.round(s.load.reqPerS)} req/s, ${JSON.stringify(s.correct)}`);
    phaseDone("storm");
    log(`floor, second half`);
    await rewarm();
    const floorAfter = await timed("floor (second half)", floorHalf);
    const floor = mergeLoads(floorBefore, floorAfter);
    log(`floor: ${Math.round(floorAfter.reqPerS)} req/s; both halves ${Math.round(floor.reqPerS)} req/s`);
    const statements: Record<string, unknown> = {};
    if (profileDir) statements.storm = await topStatements({ sql });
    await drain({ sql, timeoutMs: 60_000 });

    log(`naive baseline: the same storm`);
    await rewarm();
    const naive = await timed("naive baseline", async () => {
      const result = await naiveStorm({ pool, sql, shoppers: stormShoppers, stock: settings.stock, requests: settings.requests, concurrency: settings.concurrency, seed: settings.seed });
      return { ...result, requests: result.load.requests };
    });
    log(`naive baseline: ${Math.round(naive.load.reqPerS)} req/s, oversold ${naive.oversold}`);
    phaseDone("naive baseline");

    const rate = settings.rate ?? Math.max(1, Math.round(floor.reqPerS / 2));
    const count = Math.round(rate * settings.openSeconds);
    if (count > shoppers.length) throw new Error(`the open loop needs ${count} shoppers; lower --rate or --open-seconds`);
    log(`open loop: floor and admission in ${settings.openSlices} alternating slices each, at ${rate}/s for ${settings.openSeconds} s each`);
    await rewarm();
    if (profileDir) await sql`SELECT pg_stat_statements_reset()`;
    await sql`SELECT pg_stat_reset_shared('io')`;
    // The web's own histograms before and after (only Buys record into them, so the floor's slices
    // add nothing), read outside every slice's CPU count.
    const webBefore = await readWebHistograms(stack.origin);
    const open = await openLoopSideBySide({
      pool,
      sql,
      shoppers,
      rate,
      count,
      slices: settings.openSlices,
      drainTimeoutMs: 120_000,
      timed: (side, run) => timed(`open loop ${side}`, run),
    });
    const webAfter = await readWebHistograms(stack.origin);
    const openFloor = open.floor;
    // The floor writes nothing: these are the Buys' (and their allocation's) durable commits.
    const openWal = await walFlushes({ sql });
    log(`open loop: admission p95 ${summarize(open.load.latency).p95Ms} ms, floor p95 ${summarize(openFloor.latency).p95Ms} ms, 202→final p95 ${open.toFinal.p95Ms} ms`);
    phaseDone("open loop");
    if (profileDir) statements.openLoop = await topStatements({ sql });

    log(`allocation engine: ${settings.engineOrders} orders through the worker, ${settings.baselineEngineOrders} one transaction each`);
    if (profileDir) await sql`SELECT pg_stat_statements_reset()`;
    const ours = await engineRun(shoppers.slice(0, settings.engineOrders));
    if (profileDir) statements.engine = await topStatements({ sql });
    const base = await baselineEngine({ url: stack.url, userIds: shoppers.slice(0, settings.baselineEngineOrders).map((u) => u.id), stock: settings.baselineEngineOrders / 2, connections: settings.baselineEngineConnections, timeoutMs: 120_000 });
    log(`allocation engine: ours ${ours.perS}/s, baseline ${base.perS}/s`);

    log(`ceiling of durable writes: ${settings.ceilingSeconds} s`);
    const ceiling = await ceilingOfDurableWrites({ url: stack.url, connections: 16, seconds: settings.ceilingSeconds });
    memory.web.endMiB = rssMiB(stack.web.pid);
    memory.worker.endMiB = rssMiB(worker?.pid);

    const [{ version } = { version: "?" }] = await sql<{ version: string }[]>`SELECT current_setting('server_version') AS version`;
    const engineAudits = [ours.audit, base.audit];
    // Each engine sells its whole stock and fails the rest (more orders than units), in one order each.
    const isEngineCorrect = engineAudits.every((a) => a.isInvariantHeld && a.pending === 0 && a.duplicateOrders === 0 && a.completed === a.stock && a.failed === a.orders - a.stock);
    // The open loop's sale has a unit for every Buy: each is accepted, completed, and final.
    const isOpenCorrect =
      open.accepted > 0 &&
      open.audit.isInvariantHeld &&
      open.audit.pending === 0 &&
      open.final === open.accepted &&
      open.audit.failed === 0 &&
      open.audit.completed === open.accepted &&
      Object.keys(unexpectedAnswers(open.load.answers, ["202 accepted"])).length === 0;
    const otherPhases = [naive.isCorrect ? "" : "naive baseline oversold or broke the invariant", isEngineCorrect ? "" : "allocation engine broke an invariant", isOpenCorrect ? "" : "open loop lost orders or broke the invariant"].filter(Boolean).join("; ") || "correct";

    const cores = os.cpus();
    const floorOpen = summarize(openFloor.latency);
    const openSummary = summarize(open.load.latency);
    const figures = {
      date: new Date().toISOString(),
      command: `${tuningPrefix}npm run bench${process.argv.slice(2).length ? " -- " + process.argv.slice(2).join(" ") : ""}`,
      machine: { cpus: cores.length, cpuModel: cores[0]?.model.trim() ?? "?", memGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.versions.node, postgres: version },
      settings: { ...settings, rate },
      admission: { ...summarize(s.load.latency), reqPerS: Math.round(s.load.reqPerS), requests: s.load.requests, durationMs: Math.round(s.load.durationMs), answers: s.load.answers, timeToLastFinalMs: s.timeToLastFinalMs, allocatedPerS: s.allocatedPerS, pollRounds: s.pollRounds },
      floor: { ...summarize(floor.latency), reqPerS: Math.round(floor.reqPerS), requests: floor.requests, answers: floor.answers },
      baseline: { ...summarize(naive.load.latency), reqPerS: Math.round(naive.load.reqPerS), requests: naive.load.requests, answers: naive.load.answers, oversold: naive.oversold, audit: naive.audit },
      ceiling,
      engine: { oursPerS: ours.perS, baselinePerS: base.perS, ours, baseline: base, baselineConnections: settings.baselineEngineConnections },
      openLoop: { rate, ...openSummary, reqPerS: Math.round(open.load.reqPerS), answers: open.load.answers, finalP50Ms: open.toFinal.p50Ms, finalP95Ms: open.toFinal.p95Ms, finalP99Ms: open.toFinal.p99Ms, accepted: open.accepted, final: open.final, walFsyncs: openWal.fsyncs, walFsyncMs: openWal.fsyncMs, floor: { ...floorOpen, reqPerS: Math.round(openFloor.reqPerS), answers: openFloor.answers }, web: webView(histogramDelta(webBefore.order_admission_seconds, webAfter.order_admission_seconds), histogramDelta(webBefore.order_admission_group_seconds, webAfter.order_admission_group_seconds)) },
      correct: { ...s.correct, otherPhases },
      memory,
      cpu,
      targets: {
        // Answers other than each phase's own (errors, 503s, 429s, requests never sent): listed, and
        // the ratios of targets 1 and 2 are not read as met while any is.
        unexpectedAnswers: Object.fromEntries(
          Object.entries({
            storm: unexpectedAnswers(s.load.answers, ["202 accepted", "200 repeat", "410 sold_out"]),
            floor: unexpectedAnswers(floor.answers, ["200 ok"]),
            openLoop: unexpectedAnswers(open.load.answers, ["202 accepted"]),
            openLoopFloor: unexpectedAnswers(openFloor.answers, ["200 ok"]),
          }).filter(([, answers]) => Object.keys(answers).length > 0),
        ),
        admissionOverFloor: s.load.reqPerS / floor.reqPerS,
        openLoopP95OverFloor: openSummary.p95Ms / floorOpen.p95Ms,
        engineOverBaseline: ours.perS / base.perS,
      },
      timeline: { reqPerS: s.load.perSecond, queueDepth: s.queueDepth },
      ...(profileDir ? { statements } : {}),
    };
    const svgs = {
      latency: latencyChart("Latency by percentile", [
        { name: "admission (storm)", histogram: s.load.latency },
        { name: "floor", histogram: floor.latency },
        { name: "naive baseline", histogram: naive.load.latency },
        { name: `admission, open loop ${rate}/s`, histogram: open.load.latency },
        { name: `floor, open loop ${rate}/s`, histogram: openFloor.latency },
      ]),
      storm: lineChart({
        title: "Storm: answers per second and queue depth",
        xLabel: "seconds since the first click",
        yLabel: "requests/s · jobs waiting",
        series: [
          { name: "answers/s", points: s.load.perSecond.map((n, i) => [i + 0.5, n] as [number, number]) },
          { name: "queue depth", points: s.queueDepth },
        ],
      }),
    };
    const files = writeResults({ dir: resultsDir, stamp, figures, svgs, isLatest: isDefaultRun() && tuningPrefix === "" });
    log(`wrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.md)}`);
    process.stdout.write("\n" + (await import("node:fs")).readFileSync(files.md, "utf8") + "\n");
    const isCorrect = s.correct.isCorrect && otherPhases === "correct";
    if (!isCorrect) log("CORRECTNESS FAILED: see the report");
    return isCorrect;
  } finally {
    await pool.close().catch(() => {});
    await sql.end({ timeout: 5 });
    await stack.stop();
  }
}

const started = Date.now();
main().then(
  (isCorrect) => {
    log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
    process.exit(isCorrect ? 0 : 1);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * A Buy as the web saw it, from its own histograms (interpolated within their buckets): the route
 * handler's time, and the group admission statement's from send to answer (one per group of Buys).
 */
function webView(handler: Histogram, statement: Histogram) {
  const ms = (h: Histogram, q: number) => Math.round(quantileMs(h, q) * 100) / 100;
  return {
    handlerP50Ms: ms(handler, 0.5),
    handlerP95Ms: ms(handler, 0.95),
    handlerCount: countOf(handler),
    statementP50Ms: ms(statement, 0.5),
    statementP95Ms: ms(statement, 0.95),
    statements: countOf(statement),
  };
}

/** The app's tuning variables set for this run (the web and worker inherit them), as a command prefix. */
function tuning(): string {
  const names = Object.keys(process.env).filter((k) => /^(WORKER_|ADMISSION_|ORDER_|PG_POOL_MAX$|PG_CONNECT_TIMEOUT$)/.test(k)).sort();
  return names.map((k) => `${k}=${process.env[k]} `).join("");
}

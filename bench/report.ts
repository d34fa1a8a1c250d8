import fs from "node:fs";
import path from "node:path";

// Turns a run's results into bench/results/<stamp>.json, a Markdown report beside it and latest.*.

export type Figures = Record<string, any>;

const fmt = (n: number | null | undefined, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const answersLine = (answers: Record<string, number>) =>
  Object.entries(answers)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${fmt(v)}`)
    .join(", ");

const APP_ROLES = ["admission statements", "web's other queries", "allocation", "job queue (worker)"];

/**
 * CPU per request of every phase, by process: the machine's cores run all of them, so a request's
 * latency depends on the sum. Postgres by role comes from the backends of each of the app's pools;
 * "other" is the rest of Postgres (its own processes, the bench's queries, connections that closed).
 */
function cpuTable(cpu: Record<string, any>): string[] {
  const phases = Object.entries(cpu).filter(([, c]) => c.machineMsPerRequest !== undefined);
  if (phases.length === 0) return [];
  const ms = (n: number | undefined) => fmt(n, 2);
  return [
    "CPU per request, every process on the machine (ms of CPU time; the cores run all of them; rest: the kernel and anything else, read as the machine's count minus the processes', which are sampled apart, so it can fall a little below zero):",
    "",
    `| phase | machine | web | worker | Postgres | ${APP_ROLES.map((role) => `Postgres: ${role}`).join(" | ")} | Postgres: other | bench process | rest |`,
    `| --- | ${Array(APP_ROLES.length + 7).fill("---:").join(" | ")} |`,
    ...phases.map(([phase, c]) => {
      const roles = APP_ROLES.map((role) => c.postgresByRole?.[role] ?? 0);
      const other = c.postgresMsPerRequest - roles.reduce((a: number, b: number) => a + b, 0);
      const rest = c.machineMsPerRequest - c.webMsPerRequest - c.workerMsPerRequest - c.postgresMsPerRequest - c.benchMsPerRequest;
      return `| ${phase} | ${ms(c.machineMsPerRequest)} | ${ms(c.webMsPerRequest)} | ${ms(c.workerMsPerRequest)} | ${ms(c.postgresMsPerRequest)} | ${roles.map(ms).join(" | ")} | ${ms(other)} | ${ms(c.benchMsPerRequest)} | ${ms(rest)} |`;
    }),
    "",
  ];
}

export function markdown(r: Figures, charts: { latency: string; storm: string }): string {
  const t = r.targets;
  const unexpected: Record<string, Record<string, number>> = t.unexpectedAnswers ?? {};
  const isStormClean = !unexpected.storm && !unexpected.floor;
  const isOpenClean = !unexpected.openLoop && !unexpected.openLoopFloor;
  const unexpectedLine = (phases: string[]) => {
    const found = phases.filter((p) => unexpected[p]).map((p) => `${p}: ${answersLine(unexpected[p]!)}`);
    return found.length ? ` (answers other than the phase's own, errors or requests never sent, so its ratio cannot count as met: ${found.join("; ")})` : "";
  };
  const mark = (ok: boolean) => (ok ? "met" : "**not met**");
  const lines = [
    `# Benchmark ${r.date}${r.settings.isQuick ? " (quick)" : ""}`,
    "",
    `Command: \`${r.command}\` · machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, ${r.machine.os}, Node ${r.machine.node}, Postgres ${r.machine.postgres} · workers: ${r.settings.workers}`,
    "",
    `Storm: ${fmt(r.settings.stock)} units, ${fmt(r.settings.shoppers)} shoppers, ${fmt(r.settings.requests)} Buy requests, ${r.settings.concurrency} in flight.`,
    "",
    "| | p50 ms | p95 ms | p99 ms | max ms | req/s |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    `| admission (storm) | ${fmt(r.admission.p50Ms, 1)} | ${fmt(r.admission.p95Ms, 1)} | ${fmt(r.admission.p99Ms, 1)} | ${fmt(r.admission.maxMs, 1)} | ${fmt(r.admission.reqPerS)} |`,
    `| floor (trivial route) | ${fmt(r.floor.p50Ms, 1)} | ${fmt(r.floor.p95Ms, 1)} | ${fmt(r.floor.p99Ms, 1)} | ${fmt(r.floor.maxMs, 1)} | ${fmt(r.floor.reqPerS)} |`,
    `| naive baseline | ${fmt(r.baseline.p50Ms, 1)} | ${fmt(r.baseline.p95Ms, 1)} | ${fmt(r.baseline.p99Ms, 1)} | ${fmt(r.baseline.maxMs, 1)} | ${fmt(r.baseline.reqPerS)} |`,
    `| open loop, admission at ${fmt(r.openLoop.rate)}/s | ${fmt(r.openLoop.p50Ms, 1)} | ${fmt(r.openLoop.p95Ms, 1)} | ${fmt(r.openLoop.p99Ms, 1)} | ${fmt(r.openLoop.maxMs, 1)} | ${fmt(r.openLoop.reqPerS)} |`,
    `| open loop, floor at ${fmt(r.openLoop.rate)}/s | ${fmt(r.openLoop.floor.p50Ms, 1)} | ${fmt(r.openLoop.floor.p95Ms, 1)} | ${fmt(r.openLoop.floor.p99Ms, 1)} | ${fmt(r.openLoop.floor.maxMs, 1)} | ${fmt(r.openLoop.floor.reqPerS)} |`,
    "",
    `- Storm answers: ${answersLine(r.admission.answers)}.`,
    `- Time until the last order was final: ${fmt(r.admission.timeToLastFinalMs)} ms after the first click; the worker(s) settled ${fmt(r.admission.allocatedPerS)} orders/s from the first order accepted to the last made final.`,
    `- Open loop: 202 → final p50 ${fmt(r.openLoop.finalP50Ms, 1)} ms, p95 ${fmt(r.openLoop.finalP95Ms, 1)} ms (${fmt(r.openLoop.accepted)} accepted, ${fmt(r.openLoop.final)} final). Answers: ${answersLine(r.openLoop.answers)}.`,
    ...[
          `- Open loop, a Buy as the web saw it (its /api/metrics histograms, interpolated within their buckets): the route handler p50 ${fmt(r.openLoop.web.handlerP50Ms, 1)} ms, p95 ${fmt(r.openLoop.web.handlerP95Ms, 1)} ms (${fmt(r.openLoop.web.handlerCount)} Buys); within it the group admission statement, send to answer, p50 ${fmt(r.openLoop.web.statementP50Ms, 1)} ms, p95 ${fmt(r.openLoop.web.statementP95Ms, 1)} ms (${fmt(r.openLoop.web.statements)} statements). The rest of the admission figures above is spent outside the handler: Next.js, HTTP, waiting for the web's event loop, and the load generator.`,
        ],
    ...(r.openLoop.walFsyncs ? [`- Open loop: WAL flushed to disk ${fmt(r.openLoop.walFsyncs)} times (each commit waits for one; the floor writes nothing), ${fmt(r.openLoop.walFsyncMs / r.openLoop.walFsyncs, 2)} ms each on average, ${fmt(r.openLoop.walFsyncMs / 1000, 1)} s in all.`] : []),
    `- Naive baseline answers: ${answersLine(r.baseline.answers)}; oversold ${r.baseline.oversold}.`,
    `- Ceiling of durable writes: ${fmt(r.ceiling.commitsPerS)} single-row INSERT commits/s (${r.ceiling.connections} connections).`,
    `- Allocation engine without HTTP: ours ${fmt(r.engine.oursPerS)} orders/s (${fmt(r.engine.ours.orders)} orders) vs one transaction per order ${fmt(r.engine.baselinePerS)} orders/s (${fmt(r.engine.baseline.orders)} orders, ${r.engine.baselineConnections} connections).`,
    `- Memory (RSS MiB): web ${r.memory.web.startMiB} at start, ${r.memory.web.afterWarmupMiB} after warm-up, ${r.memory.web.endMiB} at the end; worker ${r.memory.worker.startMiB} / ${r.memory.worker.afterWarmupMiB} / ${r.memory.worker.endMiB}.`,
    `- RSS after each phase (web / worker MiB): ${r.memory.afterEachPhase.map((m: any) => `${m.phase} ${m.webMiB} / ${m.workerMiB}`).join(", ")}.`,
    "",
    `- Web CPU per request (ms): ${Object.entries(r.cpu).map(([phase, c]: [string, any]) => `${phase} ${c.webMsPerRequest}`).join(", ")}; worker CPU per storm request ${r.cpu.storm?.workerMsPerRequest ?? "–"} ms.`,
    "",
    ...cpuTable(r.cpu),
    "## Correctness (storm)",
    "",
    `accepted ${fmt(r.correct.accepted)}, completed ${fmt(r.correct.completed)} = units sold ${fmt(r.correct.unitsSold)}; oversold ${r.correct.oversold}, undersold ${r.correct.undersold ?? "–"}, lost ${r.correct.lost}, orders nobody was told of ${r.correct.untold ?? "–"}, duplicates ${r.correct.duplicates}, served out of line ${r.correct.outOfLine ?? "–"}, stock invariant ${r.correct.isInvariantHeld ? "held" : "**broken**"} → ${r.correct.isCorrect ? "correct" : "**INCORRECT**"}. Other phases: ${r.correct.otherPhases}.`,
    "",
    "## Targets (ratios within this run)",
    "",
    `1. Admission req/s ≥ 0.8 × floor: ${fmt(t.admissionOverFloor, 2)} × — ${mark(t.admissionOverFloor >= 0.8 && isStormClean)}${unexpectedLine(["storm", "floor"])}`,
    `2. Open loop admission p95 ≤ 2 × floor p95: ${fmt(t.openLoopP95OverFloor, 2)} × — ${mark(t.openLoopP95OverFloor <= 2 && isOpenClean)}; 202 → final p95 ≤ 500 ms: ${fmt(r.openLoop.finalP95Ms, 1)} ms — ${mark(r.openLoop.finalP95Ms <= 500)}${unexpectedLine(["openLoop", "openLoopFloor"])}`,
    `3. Allocation engine ≥ 5 × baseline: ${fmt(t.engineOverBaseline, 1)} × — ${mark(t.engineOverBaseline >= 5)}`,
    `4. Correctness zero-defect: ${mark(r.correct.isCorrect && r.correct.otherPhases === "correct")}`,
    `5. Memory flat (end ≤ 1.25 × after warm-up): web ${mark(r.memory.web.endMiB <= 1.25 * r.memory.web.afterWarmupMiB)}, worker ${mark(r.memory.worker.endMiB <= 1.25 * r.memory.worker.afterWarmupMiB)}`,
    "",
    `![latency](${charts.latency})`,
    "",
    `![storm](${charts.storm})`,
    "",
  ];
  return lines.join("\n");
}

export function writeResults({ dir, stamp, figures, svgs, isLatest }: { dir: string; stamp: string; figures: Figures; svgs: { latency: string; storm: string }; isLatest: boolean }) {
  fs.mkdirSync(dir, { recursive: true });
  const charts = { latency: `${stamp}-latency.svg`, storm: `${stamp}-storm.svg` };
  fs.writeFileSync(path.join(dir, charts.latency), svgs.latency);
  fs.writeFileSync(path.join(dir, charts.storm), svgs.storm);
  const json = JSON.stringify(figures, null, 2) + "\n";
  const md = markdown(figures, charts);
  fs.writeFileSync(path.join(dir, `${stamp}.json`), json);
  fs.writeFileSync(path.join(dir, `${stamp}.md`), md);
  if (isLatest) {
    fs.writeFileSync(path.join(dir, "latest.json"), json);
    fs.writeFileSync(path.join(dir, "latest.md"), md);
  }
  return { json: path.join(dir, `${stamp}.json`), md: path.join(dir, `${stamp}.md`) };
}

// Adds package-lock.json entries for optional platform binaries (next's SWC, tailwind's oxide, the
// resolver eslint uses) that `npm install` leaves out when the registry it used does not serve every
// platform's package. Without them `npm ci` refuses the lockfile as out of sync. Each entry names
// its os/cpu, so npm skips it on other platforms and never fetches it. Run after `npm install`.
import fs from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(fs.readFileSync(file, "utf8"));
const packages = lock.packages;

const osOf = (name) => ["android", "darwin", "freebsd", "linux", "win32", "openharmony", "sunos", "aix"].find((os) => name.includes(`-${os}-`));
const cpuOf = (name) => {
  const tail = name.split("/").pop();
  if (tail.includes("wasm32")) return "wasm32";
  for (const cpu of ["arm64", "x64", "ia32", "loong64", "ppc64", "riscv64", "s390x", "arm"]) {
    if (new RegExp(`-${cpu}(-|$)`).test(tail)) return cpu;
  }
  return undefined;
};
const libcOf = (name) => (/-musl/.test(name) ? "musl" : /-gnu/.test(name) ? "glibc" : undefined);

let added = 0;
for (const entry of Object.values(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key]) continue;
    const os = osOf(dep);
    const cpu = cpuOf(dep);
    if (!os && !cpu) continue;
    packages[key] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(os ? { os: [os] } : {}),
      ...(os === "linux" && libcOf(dep) ? { libc: [libcOf(dep)] } : {}),
    };
    added++;
  }
}
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} optional platform entries`);

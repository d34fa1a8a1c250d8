import { buildWebApp, isBuildStale } from "./build";

// `npm run build:if-stale`: the tests that start `next start` need a production build of the current code.
if (isBuildStale()) buildWebApp();
else process.stdout.write("production build is up to date\n");

import os from "node:os";
import path from "node:path";

// Tests never write secrets into the app's data directory.
process.env.SESSION_SECRET ??= "test-session-secret-that-is-long-enough-0123456789";
process.env.DATA_DIR ??= path.join(os.tmpdir(), "flash-sale-test-data");
process.env.LOG_LEVEL ??= "warn";

// Imported first by the worker entry, before any module reads the role (logger, pool size).
process.env.FLASH_ROLE = "worker";

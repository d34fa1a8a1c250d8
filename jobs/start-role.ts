// Imported first by `npm start`'s entry, before the logger reads the role.
process.env.FLASH_ROLE = "supervisor";

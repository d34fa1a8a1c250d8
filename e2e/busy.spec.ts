import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { portNear } from "../db/testing/app-stack";
import { spawnWeb, stopProcess, waitForHttp } from "../jobs/launch";
import { expect, shopperEmail, test } from "./fixtures";
import { buyButton, orderStatus, ordersInSale, watchBuys } from "./shopper";

test("a real 503 from the backlog bound shows the retry countdown, and ends Confirmed once capacity returns", async ({ page, db, createSale }, testInfo) => {
  test.setTimeout(120_000);
  // A web process of our own on the e2e database whose backlog bound is 3 pending orders, so this
  // test can fill it without touching the shared server's configuration.
  const port = await portNear((Number(process.env.E2E_PORT) || 3210) + 2);
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flash-sale-busy-"));
  const web = spawnWeb({
    port,
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL, DATA_DIR: dataDir, SESSION_SECRET: "busy-test-session-secret-0123456789", LOG_LEVEL: "warn", ORDER_BACKLOG_MAX: "3" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    await waitForHttp(`${base}/api/health`, 60_000);
    // The backlog: four orders waiting in another sale (rows without jobs, so they stay pending), one
    // over the bound of 3.
    const filler = await createSale({ name: `Backlog filler ${Date.now().toString(36)}` });
    const waiting = await db<{ id: string }[]>`
      INSERT INTO users (email) SELECT 'backlog-' || g || '-' || ${filler.id} || '@example.com' FROM generate_series(1, 4) AS g RETURNING id`;
    for (const user of waiting) await db`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${filler.id}, ${user.id})`;

    const sale = await createSale({ stock: 3 });
    expect((await page.request.post(`${base}/api/session`, { data: { email: shopperEmail("busy") } })).status()).toBe(200);
    await page.goto(`${base}/sales/${sale.id}`);
    const buys = watchBuys(page, sale.id);

    await buyButton(page).click();
    const note = page.getByTestId("retry-note");
    await expect(note).toContainText(/so many shoppers/i);
    await expect(note).toContainText(/Trying again in \d+s/);
    await expect(buyButton(page)).toHaveText("Waiting to retry…");
    await page.screenshot({ path: testInfo.outputPath("busy-real-503.png"), fullPage: true });
    // Still busy: it asks again by itself, and nothing is ordered yet.
    await expect.poll(() => buys.keys.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(await ordersInSale(db, sale.id)).toHaveLength(0);

    // Capacity returns: the line ahead drains.
    await db`UPDATE orders SET status = 'failed', failure_reason = 'sale_ended', updated_at = now() WHERE sale_id = ${filler.id}`;
    await expect(orderStatus(page)).toHaveAttribute("data-status", "completed", { timeout: 20_000 });
    expect(new Set(buys.keys).size).toBe(1);
    expect(buys.keys[0]).toBeTruthy();
    expect(await ordersInSale(db, sale.id)).toHaveLength(1);
  } finally {
    await stopProcess(web);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

import type { PgBoss, Queue } from "pg-boss";

// Every queue the app uses, with its retry and retention policy, in one place.

export const PLACE_ORDER = "place-order";
export const PLACE_ORDER_DEAD = "place-order-dead";

/** `seq`: the order's place in line (its arrival number), by which a worker orders its batches (jobs/turns.ts). */
export type PlaceOrderJob = { orderId: string; saleId: string; seq: number };

export const ORDER_STATUS = "order-status";
export const ORDER_STATUS_DEAD = "order-status-dead";

/** The statuses an admin can move a completed order to. */
export const ADMIN_STATUSES = ["shipped", "cancelled"] as const;
/** An admin's change of one order's status; `saleId` is known when the order was found at request time. */
export type OrderStatusJob = { orderId: string; status: (typeof ADMIN_STATUSES)[number]; saleId: string | null };

/** Every dead-letter queue, with the queue that feeds it: the admin's dead-letter page lists them all. */
export const deadLetterQueues = [
  { name: PLACE_ORDER_DEAD, source: PLACE_ORDER },
  { name: ORDER_STATUS_DEAD, source: ORDER_STATUS },
] as const;

type QueueDefinition = Omit<Queue, "name"> & { name: string };

const DEAD_LETTER_KEPT_SECONDS = 10 * 365 * 24 * 3600;

/** The allocation queue: its expiry and retry limit are read where allocation runs (jobs/place-order.ts). */
export const placeOrderQueue = {
  name: PLACE_ORDER,
  // NOTIFY wakes an idle worker the moment an order is queued instead of at its next poll.
  notify: true,
  // An allocation batch takes milliseconds (plus WORKER_LINGER_MS, at most 5 s, after one that
  // was not full; the worker's lock timeout, 5 s, and 2 s for each sale of it another transaction
  // holds, when one does): a job still active after this belonged to a worker that died, and is
  // handed to another one (allocation is idempotent, so that is always safe).
  expireInSeconds: 15,
  retryLimit: 5,
  retryDelay: 1,
  retryBackoff: true,
  retryDelayMax: 30,
  deadLetter: PLACE_ORDER_DEAD,
  // Completed jobs are only history: the order row is the record.
  deleteAfterSeconds: 3600,
} satisfies QueueDefinition;

export const queueDefinitions: QueueDefinition[] = [
  // An allocation's dead letter holds an order still in line, so it is kept until an admin retries it
  // (the order goes back in line) or discards it (the order fails): pg-boss deletes a waiting job once
  // its retention has passed, which here is ten years, never in practice.
  { name: PLACE_ORDER_DEAD, retryLimit: 0, retentionSeconds: DEAD_LETTER_KEPT_SECONDS, deleteAfterSeconds: 14 * 24 * 3600 },
  placeOrderQueue,
  // A status change that could not be applied leaves its order as it was: kept two weeks for a look.
  { name: ORDER_STATUS_DEAD, retryLimit: 0, retentionSeconds: 14 * 24 * 3600, deleteAfterSeconds: 14 * 24 * 3600 },
  {
    name: ORDER_STATUS,
    notify: true,
    expireInSeconds: 30,
    // A change the order cannot take yet (still pending, say) may become possible soon; one that never
    // can (an unknown order, an illegal move) ends in the dead-letter queue with its reason after
    // three retries, backing off about 1, 2 and 4 seconds.
    retryLimit: 3,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 4,
    deadLetter: ORDER_STATUS_DEAD,
    deleteAfterSeconds: 7 * 24 * 3600,
  },
];

/** Creates the queues (dead-letter queues first) or brings their options up to date. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const { name, ...options } of queueDefinitions) {
    const existing = await boss.getQueue(name);
    if (!existing) {
      await boss.createQueue(name, options);
      continue;
    }
    // Policy and partitioning are fixed at creation; the rest follows the code.
    const { policy: _policy, partition: _partition, ...updatable } = options;
    await boss.updateQueue(name, updatable);
  }
}

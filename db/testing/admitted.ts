import { randomUUID } from "node:crypto";
import { admitBatch } from "@/db/group-admission";
import { upsertUserByEmail } from "@/db/users";

/** `n` new shoppers' orders in the sale, admitted together in one admission statement: their rows, in line in the order returned. */
export async function admitShoppers(saleId: string, n: number, tag: string) {
  const users = await Promise.all(Array.from({ length: n }, (_, i) => upsertUserByEmail({ email: `${tag}-${i}@example.com` })));
  const admitted = await admitBatch(users.map((u) => ({ saleId, userId: u.id, idempotencyKey: null, id: randomUUID() })));
  return admitted.map((a) => a!.row);
}

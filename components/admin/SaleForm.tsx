"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import type { AdminSale } from "@/db/admin-sales";
import { readServerOffset, useServerOffset } from "@/components/clock";
import { useIsClient } from "@/components/LocalTime";
import { AdminApiError, adminApi, browserTimeZone, fromLocalInput, readKept, toLocalInput, useKeepThroughSignIn, writeKept } from "./api";
import { formProblems, readCount, readPrice, readTime, serverProblems, type Problems, type Values } from "./sale-input";

function initialValues(sale: AdminSale | undefined, now: number = Date.now()): Values {
  if (sale) {
    return {
      name: sale.name,
      description: sale.description,
      price: (sale.priceCents / 100).toFixed(2),
      originalPrice: (sale.originalPriceCents / 100).toFixed(2),
      stock: String(sale.stock),
      startsAt: toLocalInput(sale.startsAt),
      endsAt: toLocalInput(sale.endsAt),
    };
  }
  // A new sale opens at the next quarter hour at least 5 minutes away and runs for an hour.
  const start = Math.ceil((now + 5 * 60_000) / 900_000) * 900_000;
  return {
    name: "",
    description: "",
    price: "",
    originalPrice: "",
    stock: "100",
    startsAt: toLocalInput(new Date(start).toISOString()),
    endsAt: toLocalInput(new Date(start + 3600_000).toISOString()),
  };
}

/** `typed` moved onto a new baseline: a field the admin changed keeps their value unless the sale changed it too. */
function rebase(typed: Values, base: Values, next: Values): Values {
  const result = { ...next };
  for (const key of Object.keys(next) as (keyof Values)[]) if (typed[key] !== base[key] && next[key] === base[key]) result[key] = typed[key];
  return result;
}

/** The fields of an edit the admin changed, as the API takes them: only those, so a time not touched keeps its seconds. */
function editChanges(values: Values, initial: Values): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  if (values.name !== initial.name) changes.name = values.name;
  if (values.description !== initial.description) changes.description = values.description;
  if (values.stock !== initial.stock) changes.stock = readCount(values.stock);
  if (values.startsAt !== initial.startsAt) changes.startsAt = readTime(values.startsAt);
  if (values.endsAt !== initial.endsAt) changes.endsAt = readTime(values.endsAt);
  return changes;
}

/**
 * What the admin typed into a form when a request of the page met an expired session (401): its save, or a
 * refresh of the live numbers while the admin typed. adminApi then reloads to the
 * sign-in, which comes back to this page; the form picks the draft up again (`base`: what the sale held
 * when it was typed, so an edit keeps only the admin's changes). Per tab, gone once picked up or saved.
 */
type Draft = { typed: Values; base: Values };

const draftKey = (sale: AdminSale | undefined) => `flash-sale:admin-sale-draft:${sale?.id ?? "new"}`;

/** Focus to the form's first field at fault, if focus is still where the submit left it (`atSubmit`). */
function focusFirstFault(form: HTMLFormElement | null, atSubmit: Element | null): void {
  const active = document.activeElement;
  if (active !== atSubmit && active !== document.body) return;
  form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

function isDraft(value: unknown): value is Draft {
  const draft = value as Draft | null;
  return typeof draft?.typed?.name === "string" && typeof draft.base?.name === "string";
}

/**
 * Create a sale, or edit one (name, description, stock, times). The form reads what it can (a field left
 * empty, a price typed as a person types one) and the server validates the rest; every field's problem
 * shows beside it, the form's words over the server's where the form knows better.
 */
export function SaleForm({ sale }: { sale?: AdminSale }) {
  const isClient = useIsClient();
  const router = useRouter();
  const queryClient = useQueryClient();
  // What the sale holds as far as this form knows: changes are what differs from it.
  const [initial, setInitial] = useState(() => initialValues(sale));
  // Read in the browser only; the server and the hydrating render show "Loading the form…" either way.
  const [restored] = useState(() => readKept(draftKey(sale), isDraft));
  const [values, setValues] = useState(() => (restored ? (sale ? rebase(restored.typed, restored.base, initial) : restored.typed) : initial));
  const [saved, setSaved] = useState(false);
  // An edit saved with every field as the sale has it (typed back after a refused save, say): nothing is
  // sent, and the form says so rather than showing the API's refusal of an empty change.
  const [isUnchanged, setIsUnchanged] = useState(false);
  // What the form itself found wrong at the last save (an empty field, a price it cannot read). The save
  // still goes, with those fields as null, so the server's rules on the other fields show at the same time.
  const [checked, setChecked] = useState<Problems>({});
  const formRef = useRef<HTMLFormElement>(null);
  const key = draftKey(sale);
  useEffect(() => {
    if (!restored || !isClient) return;
    writeKept(key, null);
    // The edit form sits in a closed <details>: open it, or the restored edit would go unseen.
    formRef.current?.closest("details")?.setAttribute("open", "");
  }, [restored, isClient, key]);
  // The page's sale is refreshed after End now and after a save. When it changes, every field shows the
  // sale as it is now, except one only the admin has changed, which keeps their edit. A time the admin
  // had typed before End now is dropped, so a later save cannot quietly reopen the sale.
  const [seenSale, setSeenSale] = useState(sale);
  if (sale !== seenSale) {
    setSeenSale(sale);
    const current = initialValues(sale);
    setInitial(current);
    setValues((typed) => rebase(typed, initial, current));
  }

  // Only a 401 keeps the typing, just before the page goes to the sign-in, whichever of the page's
  // requests met it (this save, or a refresh of the live numbers while the admin typed): a draft written
  // on every save would come back after a reload mid-save with "not saved", and invite a second sale.
  useKeepThroughSignIn(() => {
    if ((Object.keys(values) as (keyof Values)[]).some((field) => values[field] !== initial[field])) writeKept(key, { typed: values, base: initial });
  });

  // A sale created: the form stays on screen while the sale's page loads (seconds on a busy server),
  // and takes no second Create meanwhile, which would make a second sale.
  const [isCreated, setIsCreated] = useState(false);
  const save = useMutation({
    // `sent`: the fields as they were when the save went, against what they were before it (`base`).
    mutationFn: async ({ sent, base }: { sent: Values; base: Values }) => {
      if (!sale) {
        const body = {
          name: sent.name,
          description: sent.description,
          priceCents: readPrice(sent.price),
          originalPriceCents: readPrice(sent.originalPrice),
          stock: readCount(sent.stock),
          startsAt: readTime(sent.startsAt),
          endsAt: readTime(sent.endsAt),
        };
        return adminApi<{ sale: AdminSale }>("/api/admin/sales", { method: "POST", body: JSON.stringify(body) });
      }
      return adminApi<{ sale: AdminSale }>(`/api/admin/sales/${sale.id}`, { method: "PATCH", body: JSON.stringify(editChanges(sent, base)) });
    },
    onSuccess: ({ sale: result }, { sent }) => {
      void queryClient.invalidateQueries({ queryKey: ["admin"] });
      if (!sale) {
        setIsCreated(true);
        router.push(`/admin/sales/${result.id}`);
        return;
      }
      // The saved sale is the new baseline: changing a value back and saving again sends that change.
      // What the admin typed while the save was on its way stays, to be saved in turn; "Saved." only
      // when nothing was. (`values` is the latest render's: a pending mutation takes each render's options.)
      const savedValues = initialValues(result);
      const isTypedSince = (Object.keys(sent) as (keyof Values)[]).some((field) => values[field] !== sent[field]);
      setInitial(savedValues);
      setValues(rebase(values, sent, savedValues));
      setSaved(!isTypedSince);
      router.refresh();
    },
  });
  // A save refused: focus goes to the first field at fault, so its message (the field's description) is
  // read out with it, rather than staying on the button with the messages unseen below. Only while focus
  // is still where the submit left it: an admin who went on typing in another field while a slow refusal
  // was on its way keeps their place, rather than having their next keys land in the field focus jumped to.
  const focusAtSubmit = useRef<Element | null>(null);
  // A save the form itself held back (`heldBack`, counted so each one is handled): the same, once the
  // messages are on screen.
  const [heldBack, setHeldBack] = useState(0);
  useEffect(() => {
    if (save.error) focusFirstFault(formRef.current, focusAtSubmit.current);
  }, [save.error]);
  useEffect(() => {
    if (heldBack > 0) focusFirstFault(formRef.current, focusAtSubmit.current);
  }, [heldBack]);

  // The edit judges a passed end on the server's clock: an admin's computer set minutes wrong would
  // otherwise let through an end that has passed for the store. Read as the form opens; a save pressed
  // before that shows "Saving…" while it is read (2 s at most, then the browser's clock is used), and
  // then goes on as a save pressed anew, with what the form holds by then.
  const serverOffset = useServerOffset({ enabled: sale === undefined || sale.state !== "ended" });
  // A new sale's default times on the store's clock, once read (the browser's, set minutes or hours
  // wrong, would offer a start long ahead or already past): the times the admin has not changed move.
  // The defaults are for the moment the form opened, on the browser's clock; the offset puts that on the store's.
  const [openedAt] = useState(() => Date.now());
  const [isOnStoreClock, setIsOnStoreClock] = useState(sale !== undefined);
  if (!isOnStoreClock && serverOffset !== undefined) {
    setIsOnStoreClock(true);
    const onStore = initialValues(undefined, openedAt + serverOffset);
    setInitial(onStore);
    setValues((typed) => rebase(typed, initial, onStore));
  }
  // The offset a save had to read itself, "reading" while it does; once read, the save goes on.
  const [readOffset, setReadOffset] = useState<number | "reading">();
  // That save, going on: focus stays judged against where the admin's press left it, not wherever
  // they moved to while the clock was read.
  const isGoingOn = useRef(false);
  useEffect(() => {
    if (typeof readOffset !== "number") return;
    isGoingOn.current = true;
    formRef.current?.requestSubmit();
    isGoingOn.current = false;
  }, [readOffset]);
  const isReadingClock = readOffset === "reading";
  if (!isClient) return <p className="text-sm text-zinc-500">Loading the form…</p>;

  const fields = save.error instanceof AdminApiError ? save.error.fields : {};
  const problems: Problems = { ...serverProblems(save.error), ...checked };
  const set = (key: keyof Values) => (e: { target: { value: string } }) => {
    setSaved(false);
    setIsUnchanged(false);
    setValues((v) => ({ ...v, [key]: e.target.value }));
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (save.isPending || isCreated || isReadingClock) return;
    if (sale && Object.keys(editChanges(values, initial)).length === 0) {
      // The last save's refusal is about values no longer there: it goes too.
      setChecked({});
      save.reset();
      setSaved(false);
      setIsUnchanged(true);
      return;
    }
    setIsUnchanged(false);
    if (!isGoingOn.current) focusAtSubmit.current = document.activeElement;
    const found = formProblems(values, sale ? ["stock", "startsAt", "endsAt"] : ["price", "originalPrice", "stock", "startsAt", "endsAt"]);
    // An edit whose new end has passed would end a sale still selling the moment it is saved, with no
    // question asked (a wrong AM/PM, a wrong day): End now is the way to that, and asks first. Not sent.
    if (sale && sale.state !== "ended" && values.endsAt !== initial.endsAt) {
      // What a save read for itself is for that save only: 0 when the clock did not answer, and the
      // next save asks again.
      const offset = serverOffset ?? (isGoingOn.current && typeof readOffset === "number" ? readOffset : undefined);
      if (offset === undefined) {
        setReadOffset("reading");
        void readServerOffset(queryClient)
          .catch(() => 0)
          .then(setReadOffset);
        return;
      }
      if (Date.parse(fromLocalInput(values.endsAt)) <= Date.now() + offset) {
        setChecked({ ...found, endsAt: found.endsAt ?? "End time has passed: saved, it would end the sale at once. To end it now, use End now." });
        save.reset();
        setHeldBack((n) => n + 1);
        return;
      }
    }
    setChecked(found);
    save.mutate({ sent: values, base: initial });
  };
  const otherError = save.error && Object.keys(fields).length === 0 ? save.error.message : fields.body;

  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate className="grid max-w-2xl gap-4 sm:grid-cols-2" aria-label={sale ? "Edit sale" : "New sale"}>
      {restored && !saved && (
        <p data-testid="draft-restored" className="rounded-md bg-sky-100 px-3 py-2 text-sm text-sky-900 sm:col-span-2 dark:bg-sky-900/40 dark:text-sky-100">
          Your session had expired, so this was not saved. What you typed is back: check it and save again.
        </p>
      )}
      <Field id="name" label="Name" error={problems.name} wide>
        {(described) => <input id="name" dir="auto" value={values.name} onChange={set("name")} className={inputClass} {...described} />}
      </Field>
      <Field id="description" label="Description" error={problems.description} wide>
        {(described) => <textarea id="description" dir="auto" rows={3} value={values.description} onChange={set("description")} className={inputClass} {...described} />}
      </Field>
      {!sale && (
        <>
          <Field id="price" label="Price ($)" error={problems.price}>
            {(described) => <input id="price" inputMode="decimal" value={values.price} onChange={set("price")} className={inputClass} {...described} />}
          </Field>
          <Field id="originalPrice" label="Original price ($)" error={problems.originalPrice}>
            {(described) => <input id="originalPrice" inputMode="decimal" value={values.originalPrice} onChange={set("originalPrice")} className={inputClass} {...described} />}
          </Field>
        </>
      )}
      <Field id="stock" label="Stock (units)" error={problems.stock} hint={sale && sale.state !== "scheduled" ? "Once the sale has started, stock can only go up." : undefined}>
        {(described) => <input id="stock" inputMode="numeric" value={values.stock} onChange={set("stock")} className={inputClass} {...described} />}
      </Field>
      <span className="hidden sm:block" />
      <Field id="startsAt" label="Starts" error={problems.startsAt} hint={`In your time zone, ${browserTimeZone()}.`}>
        {(described) => <input id="startsAt" type="datetime-local" value={values.startsAt} onChange={set("startsAt")} className={inputClass} {...described} />}
      </Field>
      <Field id="endsAt" label="Ends" error={problems.endsAt} hint={`In your time zone, ${browserTimeZone()}.`}>
        {(described) => <input id="endsAt" type="datetime-local" value={values.endsAt} onChange={set("endsAt")} className={inputClass} {...described} />}
      </Field>
      <div className="flex items-center gap-3 sm:col-span-2">
        {/* aria-disabled while saving and once created (onSubmit ignores a second press): a disabled
            button drops keyboard focus to the page, where a failure other than a field's would leave the
            admin. */}
        <button type="submit" aria-disabled={save.isPending || isReadingClock || isCreated} className="rounded-md bg-zinc-900 px-4 py-2 font-medium text-white aria-disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900">
          {save.isPending || isReadingClock ? "Saving…" : isCreated ? "Created: opening the sale…" : sale ? "Save changes" : "Create sale"}
        </button>
        {saved && <span className="text-sm text-emerald-600">Saved.</span>}
        {/* Always there, so a screen reader hears the words when they appear. */}
        <span role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
          {isUnchanged ? "Nothing has changed." : ""}
        </span>
        {otherError && (
          <p role="alert" className="text-sm text-red-600">
            {otherError}
          </p>
        )}
      </div>
    </form>
  );
}

const inputClass = "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 aria-[invalid=true]:border-red-500 dark:border-zinc-700 dark:bg-zinc-900";

/** What a field's input carries so a screen reader tells its state: at fault or not, its message and hint. */
type Described = { "aria-invalid": boolean; "aria-describedby": string };

/** A labelled input (`children`, given its aria attributes), with its hint and its message (`error`, a sentence). */
function Field({ id, label, error, hint, wide, children }: { id: string; label: string; error?: string; hint?: string; wide?: boolean; children: (described: Described) => ReactNode }) {
  const describedBy = hint ? `${id}-error ${id}-hint` : `${id}-error`;
  return (
    <div className={`flex flex-col gap-1 ${wide ? "sm:col-span-2" : ""}`}>
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      {children({ "aria-invalid": !!error, "aria-describedby": describedBy })}
      {hint && (
        <p id={`${id}-hint`} className="text-xs text-zinc-500">
          {hint}
        </p>
      )}
      <p id={`${id}-error`} data-testid={`${id}-error`} className="min-h-4 text-xs text-red-600">
        {error ?? ""}
      </p>
    </div>
  );
}

"use client";

import { useEffect, useRef } from "react";
import { LocalTime } from "@/components/LocalTime";
import { ApiError } from "@/components/QueryProvider";

/** An admin API error that may name the fields at fault (`error.details.fields`). */
export class AdminApiError extends ApiError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(status, code, message);
  }
}

/** What the page must keep through the sign-in (a form's typing), each called before the page goes there. */
const keptThroughSignIn = new Set<() => void>();

/**
 * Keeps what `keep` writes through the sign-in that any admin request of the page may lead to: a
 * refresh of the live numbers that meets an expired session takes the page there as surely as a save.
 */
export function useKeepThroughSignIn(keep: () => void): void {
  const latest = useRef(keep);
  useEffect(() => {
    latest.current = keep;
  });
  useEffect(() => {
    const call = () => latest.current();
    keptThroughSignIn.add(call);
    return () => void keptThroughSignIn.delete(call);
  }, []);
}

/**
 * What a page kept through the sign-in under `key` (the tab's sessionStorage), if `isKept` recognises
 * it; null on the server, or when nothing (or something unreadable) was kept.
 */
export function readKept<T>(key: string, isKept: (value: unknown) => value is T): T | null {
  if (typeof window === "undefined") return null;
  try {
    const value: unknown = JSON.parse(window.sessionStorage.getItem(key) ?? "null");
    return isKept(value) ? value : null;
  } catch {
    return null;
  }
}

/** Keeps `value` under `key` for `readKept` (null forgets it). */
export function writeKept(key: string, value: unknown): void {
  try {
    if (value === null) window.sessionStorage.removeItem(key);
    else window.sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or refused (private mode): the request still goes ahead, only the typing is not kept.
  }
}

/**
 * fetch for the admin API: JSON in and out, errors as AdminApiError with their field messages. A 401
 * means the admin session ran out, so the page goes to the sign-in and comes back afterwards (after what
 * `useKeepThroughSignIn` keeps); except for the sign-in itself (`isSignIn`), where a 401 is a wrong
 * password to show on the form.
 */
export async function adminApi<T>(url: string, init: RequestInit = {}, { isSignIn = false }: { isSignIn?: boolean } = {}): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "content-type": "application/json", ...init.headers } });
  if (res.status === 401 && !isSignIn) {
    // What the page must keep through the sign-in, kept before the page goes.
    for (const keep of keptThroughSignIn) keep();
    const here = window.location.pathname + window.location.search;
    // A full page load on purpose: nothing of the expired session's client state should survive.
    window.location.assign(new URL(`/admin/login?next=${encodeURIComponent(here)}`, window.location.origin).href);
    // The page is leaving: this request neither answers nor fails, so nothing on it (a row's "Not
    // shipped: …", a form's focus on a field) tells of a refusal in the moment before the page goes.
    return new Promise<T>(() => {});
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string; details?: { fields?: Record<string, string> } } } | null;
  if (!res.ok) {
    const error = body?.error;
    throw new AdminApiError(res.status, error?.code ?? "http_error", error?.message ?? `Request failed (${res.status})`, error?.details?.fields);
  }
  return body as T;
}

/** A time with its zone named (the browser's, unless `timeZone` says otherwise). */
export function formatTime(iso: string, timeZone?: string): string {
  return new Date(iso).toLocaleString("en-GB", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone, timeZoneName: "short" });
}

/** The browser's time zone, as the admin's forms read and show times in it. */
export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** An ISO time as a datetime-local input's value, in the browser's time zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value as ISO; what cannot be read is passed on as typed, for the server to name. */
export function fromLocalInput(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

/**
 * A time in the browser's zone, the zone named, to the second (the shared `LocalTime`: UTC, named, from the
 * server, the browser's zone once hydrated, so every time on a page is in one zone).
 */
export function Time({ iso }: { iso: string }) {
  return <LocalTime iso={iso} format={formatTime} />;
}

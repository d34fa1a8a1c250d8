"use client";

import { useRef, useState } from "react";
import { useOverflows } from "./useOverflows";

/**
 * A sale's description: in its own direction (Hebrew, Arabic right to left), its lines as the admin
 * typed them. On a phone it shows its first three lines and a *More* button when there is more, so a
 * long one (a spec sheet: up to 2,000 characters) does not push sign-in and Buy off the first screen at
 * the opening second; from a tablet up, where the Buy area sits beside the picture, it shows whole.
 */
export function SaleDescription({ text }: { text: string }) {
  const ref = useRef<HTMLParagraphElement>(null);
  const [isOpen, setIsOpen] = useState(false);
  // Whether the three lines cut the text short, measured: the width decides, and it can change.
  const isCut = useOverflows(ref, "y", { content: text });
  return (
    <>
      <p
        ref={ref}
        id="sale-description"
        dir="auto"
        className={`mt-1 whitespace-pre-line text-zinc-600 [overflow-wrap:anywhere] sm:mt-2 md:line-clamp-none dark:text-zinc-400 ${isOpen ? "" : "line-clamp-3"}`}
      >
        {text}
      </p>
      {(isCut || isOpen) && (
        <button
          type="button"
          aria-expanded={isOpen}
          aria-controls="sale-description"
          onClick={() => setIsOpen(!isOpen)}
          className="mt-1 text-sm font-medium underline underline-offset-2 md:hidden"
        >
          {isOpen ? "Less" : "More"}
        </button>
      )}
    </>
  );
}

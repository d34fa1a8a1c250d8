import { errorMessage } from "./messages";

/** Said where the sign-in form would be while the store cannot tell who is signed in (`sessionUnknown`). */
export function SessionUnknown({ error }: { error: Error }) {
  return (
    <p role="alert" data-testid="session-error" className="rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
      {errorMessage(error)} Trying again automatically.
    </p>
  );
}

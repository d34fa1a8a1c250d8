/**
 * A problem the operator must fix (a setting, a DATABASE_URL the database refuses, a port in use), whose
 * message says what is wrong and what to do. The log tells it in its message alone: a stack trace would
 * only suggest a fault of the app's.
 */
export class OperatorError extends Error {
  override name = "OperatorError";
}

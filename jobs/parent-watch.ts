const CHECK_MS = 1000;

/**
 * Calls `gone` once this process's parent is no longer `parentPid` (it exited and this process was
 * adopted by another), checking every second without keeping the process alive.
 */
export function whenParentGone(parentPid: number, gone: () => void): void {
  const watch = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(watch);
    gone();
  }, CHECK_MS);
  watch.unref();
}

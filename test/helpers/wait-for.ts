/** Wait until `cond` holds, polling every 10 ms; a generous deadline, never a timing assertion. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what = "condition", timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Debian's chromium, headless, as the browser tests run it: no sandbox (root in a VM), no
 * GPU, no network chatter, a fresh profile per run, and the page's console on stderr
 * (--enable-logging), which is kept in a log file beside the test's artifacts.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import path from "node:path";
import { run } from "./helpers.js";

export const CHROMIUM = "/usr/bin/chromium";

/** One headless chromium run with a fresh profile under `workDir`; throws on a non-zero exit. */
export async function runChromium(workDir: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const profile = await mkdtemp(path.join(workDir, "profile-"));
  const r = await run(
    [
      CHROMIUM,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      "--virtual-time-budget=3000",
      "--enable-logging=stderr",
      "--v=0",
      ...args,
    ],
    { timeoutMs: 90_000 },
  );
  await writeFile(path.join(workDir, `chromium-${path.basename(profile)}.log`), r.stderr);
  if (r.exitCode !== 0) throw new Error(`chromium ${args.join(" ")} exited ${r.exitCode ?? r.signal}:\n${r.stderr.slice(-2000)}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** The page's console messages (CSP violations included), as Chromium logs them with --enable-logging=stderr. */
export function consoleLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /:CONSOLE[:(]/.test(l));
}

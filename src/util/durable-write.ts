/**
 * The one way nodeward replaces a file: write a temp file in the same directory, fsync
 * it, rename it over the target, fsync the directory. A reader sees the old file or the
 * new one, never half; after a crash the disk holds one of the two (plus, at worst, a
 * stray temp file). Every writer uses it: agent state, remediation requests, the
 * remediation journal's run files and the files remediation changes, reports, the pack cache.
 */
import { randomBytes } from "node:crypto";
import { constants as fsc } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { utf8Runs } from "./json-chunks.js";

export interface DurableWriteOptions {
  /** Creation mode of the new file (the umask applies). Default 0o600. */
  mode?: number;
  /**
   * Owner and exact mode to set on the new file through its descriptor (chown, then chmod:
   * chown clears setuid/setgid). The umask does not apply.
   */
  exact?: { mode: number; uid: number; gid: number };
  /**
   * The temp file's path (default: a hidden name beside the target with the pid and a
   * random tag). A leftover of that name from an earlier crash is replaced.
   */
  tmp?: string;
  /**
   * Called when the temp file is durable, just before the rename. If it throws, the temp
   * file is left in place, as a crash at that point would leave it.
   */
  beforeRename?: () => void | Promise<void>;
}

/** The default temp name: `.<name>.<pid>.<random>.tmp` in the target's directory. */
export function tempFileFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/** What a durable write writes: a text, bytes, or a text in pieces (written as they come, in runs of 64 KiB of UTF-8). */
export type DurableData = string | Uint8Array | Iterable<string>;

export async function writeFileDurable(file: string, data: DurableData, options: DurableWriteOptions = {}): Promise<void> {
  const tmp = options.tmp ?? tempFileFor(file);
  if (options.tmp) await unlink(tmp).catch(() => undefined);
  // O_EXCL | O_NOFOLLOW: never write through a link or into a file someone else made.
  const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, options.mode ?? 0o600);
  try {
    if (typeof data === "string" || data instanceof Uint8Array) await fh.writeFile(data);
    // Each writeFile on a handle continues where the last one ended.
    else for (const run of utf8Runs(data)) await fh.writeFile(run);
    if (options.exact) {
      await fh.chown(options.exact.uid, options.exact.gid);
      await fh.chmod(options.exact.mode);
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  await options.beforeRename?.();
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(path.dirname(file));
}

/** fsync a directory, so a rename or a new entry in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

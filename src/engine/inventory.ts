/**
 * Report metadata about the scanned system — never evidence. Read from the scanned
 * root's own files (os-release, hostname) and, for the live host, from `os` (kernel,
 * architecture, hostname): a handful of reads, no child process. (systeminformation's
 * osInfo() spawned 17 processes for these five fields.)
 */
import os from "node:os";
import type { HostRoot } from "../host/host-root.js";
import { parseOsRelease } from "../probes/parse/os-release.js";
import type { HostInventory } from "./result.js";

const cache = new Map<string, { at: number; inventory: Promise<HostInventory> }>();
const CACHE_MS = 5 * 60_000;

/** Cached for a few minutes per root: the agent scans the same host again and again. */
export function hostInventory(host: HostRoot): Promise<HostInventory> {
  const key = `${host.root}\0${host.proc}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.inventory;
  const inventory = readInventory(host);
  cache.set(key, { at: Date.now(), inventory });
  return inventory;
}

async function readInventory(host: HostRoot): Promise<HostInventory> {
  const base: HostInventory = { root: host.root, live: host.isLive };
  try {
    const [osRelease, etcHostname] = await Promise.all([
      host.readFileIfExists("/etc/os-release").then((t) => t ?? host.readFileIfExists("/usr/lib/os-release")),
      host.readFileIfExists("/etc/hostname"),
    ]);
    const osr = parseOsRelease(osRelease ?? "");
    const name = osr.NAME ?? osr.PRETTY_NAME;
    // The live host's name is the kernel's (a container or a renamed host may differ from
    // /etc/hostname); a mounted root has only its file.
    const hostname = host.isLive ? os.hostname() : etcHostname?.trim();
    return {
      ...base,
      ...(hostname ? { hostname } : {}),
      ...(name ? { os: name } : {}),
      ...(osr.VERSION_ID ? { osVersion: osr.VERSION_ID } : {}),
      // The kernel and machine that run a mounted root are not this one's.
      ...(host.isLive ? { kernel: os.release(), arch: os.arch() } : {}),
    };
  } catch {
    // Inventory is decoration; a scan never fails for it.
    return base;
  }
}

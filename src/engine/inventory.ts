/**
 * Report metadata about the scanned system — never evidence. For the live host it
 * asks systeminformation (hostname, OS, kernel); for a --root scan it reads the
 * root's own files, since systeminformation only sees the machine it runs on.
 */
import type { HostRoot } from "../host/host-root.js";
import { parseOsRelease } from "../probes/parse/os-release.js";
import type { HostInventory } from "./result.js";

const cache = new Map<string, { at: number; inventory: Promise<HostInventory> }>();
const CACHE_MS = 5 * 60_000;

/**
 * Cached for a few minutes per root: systeminformation's osInfo costs tens of
 * milliseconds, and the agent scans the same host again and again.
 */
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
    if (host.isLive) {
      const si = await import("systeminformation");
      const os = await si.osInfo();
      return {
        ...base,
        hostname: os.fqdn || os.hostname,
        os: os.distro,
        osVersion: os.release,
        kernel: os.kernel,
        arch: os.arch,
      };
    }
    const osr = parseOsRelease((await host.readFileIfExists("/etc/os-release")) ?? (await host.readFileIfExists("/usr/lib/os-release")) ?? "");
    const hostname = (await host.readFileIfExists("/etc/hostname"))?.trim();
    return {
      ...base,
      ...(hostname ? { hostname } : {}),
      ...(osr.PRETTY_NAME ?? osr.NAME ? { os: (osr.NAME ?? osr.PRETTY_NAME) as string } : {}),
      ...(osr.VERSION_ID ? { osVersion: osr.VERSION_ID } : {}),
    };
  } catch {
    // Inventory is decoration; a scan never fails for it.
    return base;
  }
}

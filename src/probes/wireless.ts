/**
 * wireless: the running system's wireless network interfaces (those of /sys/class/net with a
 * `wireless` directory or a `phy80211` link), each with its driver module
 * (`device/driver/module`) and whether that module is loaded (procfs `modules`), disabled by a
 * modprobe.d `install … /bin/false` and blacklisted — what the CIS audit of "wireless
 * interfaces are disabled" looks at.
 *
 * Interfaces are runtime state: on an offline root (no procfs) the fields are not applicable.
 * On a running system a /sys/class/net that is missing (sysfs not mounted under the root) or
 * cannot be read, or an interface whose driver cannot be read, is unknown, never "none".
 */
import path from "node:path";
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import { isMissing } from "../host/host-root.js";
import { modprobeConfig } from "./kit/modprobe-config.js";
import { runningSystem } from "./kit/shared.js";
import { readsAnd } from "./kit/watch.js";
import { isDisablingInstall, normaliseModuleName, parseProcModules } from "./parse/modprobe.js";
import { defineProbe, type Evidence, type Fact, type ProbeContext } from "./types.js";

const CLASS_NET = "/sys/class/net";

export interface WirelessInterface {
  name: string;
  /** The driver's module name, or "" when the driver is built in (no module link). */
  module: string;
  loaded: boolean;
  disabledByInstall: boolean;
  blacklisted: boolean;
}

export interface WirelessFact {
  interfaces: WirelessInterface[];
  count: number;
}

const FIELDS = ["interfaces", "count"] as const;

async function exists(ctx: ProbeContext, p: string): Promise<boolean> {
  return (await ctx.host.lstat(p)) !== null;
}

export default defineProbe({
  id: "wireless",
  summary: "Wireless network interfaces of the running system (/sys/class/net), each with its driver module: loaded, disabled by modprobe.d install, blacklisted",
  params: lazySchema((z) => z.strictObject({})),
  fields: FIELDS,
  /** sysfs is polled (stat); the loaded modules are polled; modprobe.d is watched. */
  watch(_p, seen) {
    return readsAnd(seen.reads, { poll: [{ kind: "modules" }] });
  },
  async collect(ctx): Promise<Fact<WirelessFact>> {
    const value: WirelessFact = { interfaces: [], count: 0 };
    const all = (why: string) => Object.fromEntries(FIELDS.map((f) => [f, why]));
    const sys = await runningSystem(ctx);
    if (!sys.running) {
      return { value, evidence: [{ file: CLASS_NET, detail: `not a running system (${sys.reason}): network interfaces exist only at runtime` }], notApplicable: all(`not a running system: ${sys.reason}`) };
    }
    let names: string[] | null;
    try {
      names = await ctx.host.readdir(CLASS_NET);
    } catch (e) {
      return { value, evidence: [{ file: CLASS_NET }], unknown: all(`${CLASS_NET}: ${describeError(e)}`) };
    }
    if (names === null) return { value, evidence: [{ file: CLASS_NET, detail: "does not exist" }], unknown: all(`sysfs is not mounted at /sys under this root (no ${CLASS_NET})`) };

    const evidence: Evidence[] = [];
    const problems: string[] = [];
    const found: { name: string; module: string }[] = [];
    for (const name of [...names].sort()) {
      const dir = `${CLASS_NET}/${name}`;
      try {
        if (!((await exists(ctx, `${dir}/wireless`)) || (await exists(ctx, `${dir}/phy80211`)))) continue;
        let module = "";
        try {
          module = normaliseModuleName(path.posix.basename(await ctx.host.readlink(`${dir}/device/driver/module`)));
        } catch (e) {
          if (!isMissing(e)) throw e;
        }
        found.push({ name, module });
      } catch (e) {
        problems.push(`${dir}: ${describeError(e)}`);
      }
    }
    if (found.length === 0) evidence.push({ file: CLASS_NET, detail: `${names.length} interfaces, none wireless` });
    if (found.length > 0) {
      const modulesText = await ctx.host.procReadIfExists("modules").catch((e: unknown) => {
        problems.push(`/proc/modules: ${describeError(e)}`);
        return null;
      });
      const loaded = new Set(modulesText === null ? [] : parseProcModules(modulesText).map((m) => m.name));
      const conf = await modprobeConfig(ctx);
      if (conf.unreadable.length > 0) problems.push(`modprobe.d cannot be read: ${conf.unreadable.join("; ")}`);
      for (const f of found) {
        let install: string | undefined;
        let blacklisted = false;
        for (const d of conf.directives) {
          if (f.module === "" || d.module !== f.module) continue;
          if (d.kind === "install") install = d.command;
          else if (d.kind === "blacklist") blacklisted = true;
        }
        const iface: WirelessInterface = {
          name: f.name,
          module: f.module,
          loaded: f.module !== "" && loaded.has(f.module),
          disabledByInstall: install !== undefined && isDisablingInstall(install),
          blacklisted,
        };
        value.interfaces.push(iface);
        evidence.push({
          file: `${CLASS_NET}/${f.name}`,
          key: f.name,
          ...(f.module !== "" ? { module: f.module } : {}),
          detail: f.module === "" ? "wireless; its driver is built into the kernel (no module)" : `wireless; driver module ${f.module}${iface.loaded ? ", loaded" : ""}`,
        });
      }
    }
    value.count = value.interfaces.length;
    if (problems.length > 0) return { value, evidence, unknown: all(problems.join("; ")) };
    return { value, evidence };
  },
});

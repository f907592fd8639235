/**
 * kernel-module: is a kernel module loaded, built in, available on disk, and disabled
 * through modprobe.d (`install <m> /bin/false`, `blacklist <m>`)? Everything is read from
 * files — `/proc/modules`, `/lib/modules/<release>/modules.{dep,builtin}`, `/sys/module`,
 * the modprobe.d directories — so it works on an offline root and on kernels without
 * loadable-module support (no `/proc/modules`), where "not loaded, cannot be loaded" is a
 * real answer rather than an error.
 */
import { lazySchema } from "../util/lazy-zod.js";
import { describeError } from "../errors.js";
import {
  isDisablingInstall,
  normaliseModuleName,
  parseModuleList,
  parseProcModules,
  type ModprobeDirective,
} from "./parse/modprobe.js";
import { runningSystem } from "./kit/shared.js";
import { modprobeConfig } from "./kit/modprobe-config.js";
import { defineProbe, type Evidence } from "./types.js";
import { procReadsMatching, readsAnd } from "./kit/watch.js";

export { MODPROBE_DIRS, modprobeConfig, type ModprobeConfig } from "./kit/modprobe-config.js";

export interface KernelModuleFact {
  name: string;
  /** `/proc/modules` exists: the kernel can load modules. */
  moduleSupport: boolean;
  loaded: boolean;
  builtin: boolean;
  /** A module file for it is listed in `/lib/modules/<release>/modules.dep`. */
  available: boolean;
  /** The winning `install` command for the module, when there is one. */
  installCommand?: string;
  disabledByInstall: boolean;
  blacklisted: boolean;
  /** What `modprobe <name>` would do: available && !disabledByInstall && moduleSupport. */
  loadable: boolean;
  note?: string;
}

/** A read whose failure (other than absence) is recorded, never mistaken for absence. */
type Read = { text: string } | { missing: true } | { error: string };

async function readSource(read: () => Promise<string | null>, what: string): Promise<Read> {
  try {
    const text = await read();
    return text === null ? { missing: true } : { text };
  } catch (e) {
    return { error: `${what}: ${describeError(e)}` };
  }
}

/**
 * Filesystem modules register their filesystem by a name that is the module's, except
 * these (module → filesystem). A filesystem in /proc/filesystems whose module is not
 * loaded is built into the running kernel.
 */
const FILESYSTEM_OF: Readonly<Record<string, string>> = { freevxfs: "vxfs", overlay: "overlay", hfsplus: "hfsplus" };

/** Names in /proc/filesystems ("nodev\tsysfs", "\text4"), with their line. */
export function parseProcFilesystems(text: string): Map<string, number> {
  const out = new Map<string, number>();
  text.split("\n").forEach((raw, i) => {
    const name = raw.trim().split(/\s+/).pop();
    if (name && name !== "nodev" && !out.has(name)) out.set(name, i + 1);
  });
  return out;
}

export default defineProbe({
  id: "kernel-module",
  summary: "Kernel module state: loaded, built in, available on disk, disabled by modprobe.d install/blacklist",
  params: lazySchema((z) => z.strictObject({ name: z.string().min(1) })),
  fields: [
    "name",
    "moduleSupport",
    "loaded",
    "builtin",
    "available",
    "installCommand",
    "disabledByInstall",
    "blacklisted",
    "loadable",
    "note",
  ],
  /** modprobe.d and the module tree by their directories; loaded modules, the kernel release and its filesystems polled. */
  watch(_p, seen) {
    const proc = procReadsMatching(seen.reads, /^(sys\/kernel\/osrelease|filesystems)$/);
    const loaded = seen.reads.proc.includes("modules");
    return readsAnd(seen.reads, { poll: [...(loaded ? [{ kind: "modules" } as const] : []), ...(proc.length > 0 ? [{ kind: "proc", paths: proc } as const] : [])] });
  },
  async collect(ctx, params) {
    const name = normaliseModuleName(params.name);
    const evidence: Evidence[] = [];
    const notes: string[] = [];
    const unknown: Record<string, string> = {};
    const notApplicable: Record<string, string> = {};
    /** Fields a failed read leaves open: absence is proven only by a readable parent. */
    const cannotTell = (fields: readonly string[], why: string) => {
      for (const f of fields) unknown[f] ??= why;
    };

    // Loaded: /proc/modules. Missing from a readable procfs: no loadable-module support.
    const procModules = await readSource(() => ctx.host.procReadIfExists("modules"), "/proc/modules");
    // An offline root (an image, no procfs) has no running kernel to ask: whether modules
    // load does not apply there, and nothing is loaded.
    const offline = "missing" in procModules && !(await runningSystem(ctx)).running;
    let moduleSupport = "text" in procModules;
    let loaded = false;
    if ("error" in procModules) {
      cannotTell(["moduleSupport", "loaded", "loadable"], procModules.error);
    } else if (offline) {
      notApplicable.moduleSupport = `offline root: no running kernel (no procfs at ${ctx.host.proc}) to tell whether it loads modules`;
      notes.push("offline root: nothing is loaded; loadability judged from the root's modules and modprobe.d");
    } else if ("missing" in procModules) {
      notes.push("no /proc/modules: kernel without loadable module support");
    } else {
      const hit = parseProcModules(procModules.text).find((m) => m.name === name);
      if (hit) {
        loaded = true;
        evidence.push({ file: "/proc/modules", line: hit.line, module: name, ...(hit.state ? { detail: `state ${hit.state}` } : {}) });
      }
    }

    // Kernel release → /lib/modules/<release>. An offline root has no running kernel: every
    // kernel it ships is looked at instead (below), and no release is read.
    const releaseRead = offline ? ({ missing: true } as const) : await readSource(() => ctx.host.procReadIfExists("sys/kernel/osrelease"), "/proc/sys/kernel/osrelease");
    const release = "text" in releaseRead ? releaseRead.text.trim() || null : null;
    const modDir = release ? `/lib/modules/${release}` : null;
    let modDirExists = false;
    if (modDir) {
      try {
        modDirExists = (await ctx.host.stat(modDir))?.isDirectory() ?? false;
      } catch (e) {
        cannotTell(["builtin", "available", "loadable"], `${modDir}: ${describeError(e)}`);
      }
    } else if (!offline) {
      // Which modules.builtin to read is unknown: so is whether the module is built in.
      const why = "error" in releaseRead ? releaseRead.error : "kernel release unknown (no /proc/sys/kernel/osrelease)";
      cannotTell(["builtin"], why);
      notes.push(why);
    }

    // Built in: modules.builtin; else /sys/module/<name> without initstate; else a
    // filesystem registered in /proc/filesystems without its module loaded (CONFIG_X=y
    // with no /sys/module entry, as squashfs on many kernels).
    let builtin = false;
    if (modDir && modDirExists) {
      const list = await readSource(() => ctx.host.readFileIfExists(`${modDir}/modules.builtin`), `${modDir}/modules.builtin`);
      if ("error" in list) cannotTell(["builtin"], list.error);
      const hit = "text" in list ? parseModuleList(list.text).get(name) : undefined;
      if (hit) {
        builtin = true;
        evidence.push({ file: `${modDir}/modules.builtin`, line: hit.line, module: name });
      }
    }
    if (!builtin && !loaded && !offline) {
      try {
        const sys = await ctx.host.stat(`/sys/module/${name}`);
        if (sys?.isDirectory() && !(await ctx.host.stat(`/sys/module/${name}/initstate`))) {
          builtin = true;
          evidence.push({ file: `/sys/module/${name}`, module: name, detail: "built into the kernel (no initstate)" });
        }
      } catch (e) {
        cannotTell(["builtin"], `/sys/module/${name}: ${describeError(e)}`);
      }
    }
    if (!builtin && !loaded && !offline) {
      const fsName = FILESYSTEM_OF[name] ?? name;
      const fs = await readSource(() => ctx.host.procReadIfExists("filesystems"), "/proc/filesystems");
      if ("error" in fs) cannotTell(["builtin"], fs.error);
      const line = "text" in fs ? parseProcFilesystems(fs.text).get(fsName) : undefined;
      if (line !== undefined) {
        builtin = true;
        evidence.push({ file: "/proc/filesystems", line, module: name, detail: `filesystem ${fsName} is registered while module ${name} is not loaded: built into the kernel` });
      }
    }
    if (builtin) {
      // A definite answer beats a source that could not be read.
      delete unknown.builtin;
    }

    // Available: modules.dep lists a module file for it.
    let available = false;
    if (!modDir && offline) {
      // No running kernel to name the release: look at every kernel the image ships.
      let deps: string[] = [];
      try {
        deps = await ctx.host.glob("/lib/modules/*/modules.dep");
      } catch (e) {
        cannotTell(["available", "loadable"], describeError(e));
      }
      if (deps.length === 0 && !unknown.available) notes.push("no /lib/modules/*/modules.dep in the root: no kernel modules installed");
      else if (deps.length > 0) {
        // An image that ships module files has a kernel that loads modules.
        moduleSupport = true;
        delete notApplicable.moduleSupport;
      }
      for (const depFile of deps) {
        const dep = await readSource(() => ctx.host.readFileIfExists(depFile), depFile);
        if ("error" in dep) cannotTell(["available", "loadable"], dep.error);
        const hit = "text" in dep ? parseModuleList(dep.text).get(name) : undefined;
        if (hit) {
          available = true;
          evidence.push({ file: depFile, line: hit.line, module: name, detail: hit.path });
        }
      }
    } else if (!modDir) {
      cannotTell(["available"], "kernel release unknown");
    } else if (unknown.available) {
      // the module directory itself could not be read (above)
    } else if (!modDirExists) {
      notes.push(`no ${modDir} on this root: the running kernel has no module files installed here`);
    } else {
      const dep = await readSource(() => ctx.host.readFileIfExists(`${modDir}/modules.dep`), `${modDir}/modules.dep`);
      if (!("text" in dep)) {
        cannotTell(["available"], "error" in dep ? dep.error : `${modDir}/modules.dep is missing (run depmod)`);
      } else {
        const hit = parseModuleList(dep.text).get(name);
        if (hit) {
          available = true;
          evidence.push({ file: `${modDir}/modules.dep`, line: hit.line, module: name, detail: hit.path });
        }
      }
    }

    // Disabled: modprobe.d install / blacklist. A directory or file that cannot be read
    // could hold the directive that decides: the answer is then unknown.
    const conf = await modprobeConfig(ctx);
    let install: ModprobeDirective | undefined;
    const blacklists: ModprobeDirective[] = [];
    for (const d of conf.directives) {
      if (d.module !== name) continue;
      if (d.kind === "install") install = d;
      else if (d.kind === "blacklist") blacklists.push(d);
    }
    const installCommand = install?.command;
    const disabledByInstall = installCommand !== undefined && isDisablingInstall(installCommand);
    if (install) evidence.push({ file: install.file, line: install.line, module: name, command: installCommand, key: "install" });
    for (const b of blacklists) evidence.push({ file: b.file, line: b.line, module: name, key: "blacklist" });
    for (const p of conf.problems) evidence.push({ detail: `modprobe.d: ${p}` });
    if (conf.unreadable.length > 0) {
      cannotTell(["installCommand", "disabledByInstall", "blacklisted", "loadable"], `modprobe.d cannot be read: ${conf.unreadable.join("; ")}`);
    }

    // Why a module reads as absent or unloadable goes in the evidence too: a pass on a root
    // without a module tree or without module support then says so.
    for (const n of notes) evidence.push({ module: name, detail: n });
    const fact: KernelModuleFact = {
      name,
      moduleSupport,
      loaded,
      builtin,
      available,
      ...(installCommand !== undefined ? { installCommand } : {}),
      disabledByInstall,
      blacklisted: blacklists.length > 0,
      loadable: available && !disabledByInstall && (moduleSupport || offline),
      ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
    };
    // Loadability is only unknown when nothing else already rules it out.
    if (unknown.available && moduleSupport && !disabledByInstall) unknown.loadable ??= unknown.available;
    if (unknown.loadable && !unknown.disabledByInstall && (disabledByInstall || (!moduleSupport && !unknown.moduleSupport && !offline))) delete unknown.loadable;
    return {
      value: fact,
      evidence,
      ...(Object.keys(unknown).length > 0 ? { unknown } : {}),
      ...(Object.keys(notApplicable).length > 0 ? { notApplicable } : {}),
    };
  },
});

/**
 * kernel-module: is a kernel module loaded, built in, available on disk, and disabled
 * through modprobe.d (`install <m> /bin/false`, `blacklist <m>`)? Everything is read from
 * files — `/proc/modules`, `/lib/modules/<release>/modules.{dep,builtin}`, `/sys/module`,
 * the modprobe.d directories — so it works on an offline root and on kernels without
 * loadable-module support (no `/proc/modules`), where "not loaded, cannot be loaded" is a
 * real answer rather than an error.
 */
import { z } from "zod";
import {
  isDisablingInstall,
  normaliseModuleName,
  parseModprobeConf,
  parseModuleList,
  parseProcModules,
  type ModprobeDirective,
} from "./parse/modprobe.js";
import { defineProbe, type Evidence, type ProbeContext } from "./types.js";

/** kmod's configuration directories, highest precedence first. */
export const MODPROBE_DIRS = [
  "/etc/modprobe.d",
  "/run/modprobe.d",
  "/usr/local/lib/modprobe.d",
  "/usr/lib/modprobe.d",
  "/lib/modprobe.d",
] as const;

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

export interface ModprobeConfig {
  /** Files read, in the order kmod applies them. */
  files: string[];
  directives: ModprobeDirective[];
  problems: string[];
}

/**
 * Read modprobe.d the way kmod does: `*.conf` from each directory; a basename in an
 * earlier directory hides the same basename in later ones; the survivors are applied in
 * basename order. Memoised per scan.
 */
export async function modprobeConfig(ctx: ProbeContext): Promise<ModprobeConfig> {
  return ctx.once("modprobe.d", async () => {
    const chosen = new Map<string, string>();
    const problems: string[] = [];
    for (const dir of MODPROBE_DIRS) {
      let names: string[] | null = null;
      try {
        names = await ctx.host.readdir(dir);
      } catch (e) {
        problems.push(`${dir}: ${(e as Error).message}`);
      }
      for (const n of names ?? []) {
        if (!n.endsWith(".conf") || chosen.has(n)) continue;
        chosen.set(n, `${dir}/${n}`);
      }
    }
    const files = [...chosen.keys()].sort().map((n) => chosen.get(n) as string);
    const directives: ModprobeDirective[] = [];
    const read: string[] = [];
    for (const f of files) {
      let text: string | null;
      try {
        text = await ctx.host.readFileIfExists(f);
      } catch (e) {
        problems.push(`${f}: ${(e as Error).message}`);
        continue;
      }
      if (text === null) continue; // dangling symlink
      read.push(f);
      const parsed = parseModprobeConf(text, f);
      directives.push(...parsed.directives);
      problems.push(...parsed.problems.map((p) => p.message));
    }
    return { files: read, directives, problems };
  });
}

async function readOrNull(ctx: ProbeContext, read: () => Promise<string | null>, problems: string[], what: string): Promise<string | null> {
  try {
    return await read();
  } catch (e) {
    problems.push(`${what}: ${(e as Error).message}`);
    return null;
  }
}

export default defineProbe({
  id: "kernel-module",
  summary: "Kernel module state: loaded, built in, available on disk, disabled by modprobe.d install/blacklist",
  params: z.strictObject({ name: z.string().min(1) }),
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
  async collect(ctx, params) {
    const name = normaliseModuleName(params.name);
    const evidence: Evidence[] = [];
    const notes: string[] = [];
    const unknown: Record<string, string> = {};
    const notApplicable: Record<string, string> = {};

    // Loaded: /proc/modules.
    const procModules = await readOrNull(ctx, () => ctx.host.procReadIfExists("modules"), notes, "/proc/modules");
    // An offline root (an image, no procfs) has no running kernel to ask: whether modules
    // load is unknown there, not "no module support".
    const offline = procModules === null && !ctx.host.isLive && ((await ctx.host.procReaddir("").catch(() => null))?.length ?? 0) === 0;
    let moduleSupport = procModules !== null;
    let loaded = false;
    if (offline) {
      notApplicable.moduleSupport = `offline root: no running kernel (no procfs at ${ctx.host.proc}) to tell whether it loads modules`;
      notes.push("offline root: nothing is loaded; loadability judged from the root's modules and modprobe.d");
    } else if (procModules === null) {
      notes.push("no /proc/modules: kernel without loadable module support");
    } else {
      const hit = parseProcModules(procModules).find((m) => m.name === name);
      if (hit) {
        loaded = true;
        evidence.push({ file: "/proc/modules", line: hit.line, module: name, ...(hit.state ? { detail: `state ${hit.state}` } : {}) });
      }
    }

    // Kernel release → /lib/modules/<release>.
    const releaseRaw = await readOrNull(ctx, () => ctx.host.procReadIfExists("sys/kernel/osrelease"), notes, "/proc/sys/kernel/osrelease");
    const release = releaseRaw?.trim() || null;
    const modDir = release ? `/lib/modules/${release}` : null;
    let modDirExists = false;
    if (modDir) {
      try {
        modDirExists = (await ctx.host.stat(modDir))?.isDirectory() ?? false;
      } catch (e) {
        notes.push(`${modDir}: ${(e as Error).message}`);
      }
    } else {
      notes.push("kernel release unknown (no /proc/sys/kernel/osrelease)");
    }

    // Built in: modules.builtin, else /sys/module/<name> without initstate.
    let builtin = false;
    if (modDir && modDirExists) {
      const text = await readOrNull(ctx, () => ctx.host.readFileIfExists(`${modDir}/modules.builtin`), notes, `${modDir}/modules.builtin`);
      const hit = text === null ? undefined : parseModuleList(text).get(name);
      if (hit) {
        builtin = true;
        evidence.push({ file: `${modDir}/modules.builtin`, line: hit.line, module: name });
      }
    }
    if (!builtin && !loaded) {
      try {
        const sys = await ctx.host.stat(`/sys/module/${name}`);
        if (sys?.isDirectory()) {
          const initstate = await ctx.host.stat(`/sys/module/${name}/initstate`);
          if (!initstate) {
            builtin = true;
            evidence.push({ file: `/sys/module/${name}`, module: name, detail: "built into the kernel (no initstate)" });
          }
        }
      } catch (e) {
        notes.push(`/sys/module/${name}: ${(e as Error).message}`);
      }
    }

    // Available: modules.dep lists a module file for it.
    let available = false;
    if (!modDir && offline) {
      // No running kernel to name the release: look at every kernel the image ships.
      const deps = await ctx.host.glob("/lib/modules/*/modules.dep").catch(() => [] as string[]);
      if (deps.length === 0) notes.push("no /lib/modules/*/modules.dep in the root: no kernel modules installed");
      else {
        // An image that ships module files has a kernel that loads modules.
        moduleSupport = true;
        delete notApplicable.moduleSupport;
      }
      for (const depFile of deps) {
        const dep = await readOrNull(ctx, () => ctx.host.readFileIfExists(depFile), notes, depFile);
        const hit = dep === null ? undefined : parseModuleList(dep).get(name);
        if (hit) {
          available = true;
          evidence.push({ file: depFile, line: hit.line, module: name, detail: hit.path });
        }
      }
    } else if (!modDir) {
      unknown.available = "kernel release unknown";
    } else if (!modDirExists) {
      notes.push(`no ${modDir}: no module files installed`);
    } else {
      const dep = await readOrNull(ctx, () => ctx.host.readFileIfExists(`${modDir}/modules.dep`), notes, `${modDir}/modules.dep`);
      if (dep === null) {
        unknown.available = `${modDir}/modules.dep is missing or unreadable (run depmod)`;
      } else {
        const hit = parseModuleList(dep).get(name);
        if (hit) {
          available = true;
          evidence.push({ file: `${modDir}/modules.dep`, line: hit.line, module: name, detail: hit.path });
        }
      }
    }

    // Disabled: modprobe.d install / blacklist.
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
    if (unknown.available && moduleSupport && !disabledByInstall) unknown.loadable = unknown.available;
    return {
      value: fact,
      evidence,
      ...(Object.keys(unknown).length > 0 ? { unknown } : {}),
      ...(Object.keys(notApplicable).length > 0 ? { notApplicable } : {}),
    };
  },
});

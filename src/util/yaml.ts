/**
 * yaml (~160 KB of CommonJS), loaded when something is to be parsed as YAML rather than with
 * the program. A scan from the build's pack cache parses no pack; the drift re-check process
 * and `nodeward scan` compiled and evaluated yaml's module at every start for the few checks
 * that read a YAML file (the kubelet's config, static pod manifests, `format: yaml` files).
 *
 * Asynchronous code awaits `loadYaml()` before it calls a synchronous parser; the parsers take
 * the module from `yamlNow()`, which throws `YamlNotLoaded` if nobody loaded it (a bug: the
 * unit tests forget the module before each test, test/setup/forget-yaml.ts, so a path that
 * does not load it fails there). The pack loader, which may need a position in a cached
 * file deep in synchronous code, catches YamlNotLoaded, loads yaml and compiles again (as
 * for zod: src/util/lazy-zod.ts).
 */
import { NodewardError } from "../errors.js";
import type * as YamlImpl from "./yaml-impl.js";

export type YamlModule = typeof YamlImpl;

let loaded: YamlModule | undefined;
let loading: Promise<YamlModule> | undefined;

/** Load yaml (once); afterwards `yamlNow()` returns it. */
export function loadYaml(): Promise<YamlModule> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= import("./yaml-impl.js").then((m) => (loaded = m));
  return loading;
}

/** yaml was needed synchronously before `loadYaml()` resolved: a caller that did not await it. */
export class YamlNotLoaded extends NodewardError {
  constructor() {
    super("YAML_NOT_LOADED");
    this.name = "YamlNotLoaded";
  }
}

/**
 * Run synchronous `run`; if it meets YamlNotLoaded (a position wanted in a cached pack file,
 * which is parsed only then), load yaml and run it again. `run` must be safe to run twice.
 */
export async function withYaml<T>(run: () => T): Promise<T> {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof YamlNotLoaded)) throw e;
    await loadYaml();
    return run();
  }
}

/** yaml, if loaded; otherwise throws YamlNotLoaded. */
export function yamlNow(): YamlModule {
  if (loaded === undefined) throw new YamlNotLoaded();
  return loaded;
}

/**
 * Tests only (test/setup/forget-yaml.ts): forget the module, so that the next synchronous use
 * without a `loadYaml()` on its path throws. The module itself stays in the loader's cache.
 */
export function forgetYamlForTests(): void {
  loaded = undefined;
  loading = undefined;
}

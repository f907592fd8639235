/**
 * The one effective-setting rule for Kubernetes components (kubelet, kube-proxy, the
 * control plane): a command-line flag wins, then the config drop-in directory
 * (`--config-dir`, later files over earlier ones), then the `--config` file, then the
 * component's default (Kubernetes docs, "Set Kubelet Parameters Via A Configuration File":
 * defaults < --config < --config-dir < flags). Every value carries where it came from, and
 * a value that an unreadable source could have changed says so (`unobserved`): the
 * caller then reports the setting as not observed instead of trusting it.
 */
import { normaliseFlagName, parseMapFlag } from "../parse/kubelet-flags.js";
import { getConfigPath } from "../parse/kubelet-config.js";

export type DefaultValue = string | number | boolean;

/** Where a flag's value was written: a file and line, a process's argv, and by what (`k3s --kubelet-arg`). */
export interface FlagOrigin {
  file?: string;
  line?: number;
  pid?: number;
  /** How the value reached the command line when not written there directly. */
  via?: string;
}

/** One configuration file as the component applies it. */
export interface ConfigLayer {
  file: string;
  kind: "config" | "config-dir";
}

/** Everything a component's settings are decided from. */
export interface SettingSources {
  /** Effective flags, names without dashes (`anonymous-auth`), last occurrence won. */
  flags: Record<string, string>;
  flagSources?: Record<string, FlagOrigin>;
  /** The merged configuration (config file, then drop-ins). */
  config: Record<string, unknown>;
  /** The files merged into `config`, in the order applied. */
  layers?: ConfigLayer[];
  /** Dotted key → the file and line that set it last. */
  configKeyLines?: Record<string, { file: string; line: number }>;
  /** A source of flags could not be read (a drop-in, an EnvironmentFile, argv): why. */
  flagsUnobserved?: string;
  /** A config file or drop-in could not be read, or its directory listed: why. */
  configUnobserved?: string;
}

export interface SettingSpec {
  /** Flag name, dashes optional (`read-only-port`); `feature-gates.Name` reads one entry of a map flag. */
  flag?: string | undefined;
  /** Dotted configuration path (`authentication.anonymous.enabled`). */
  config?: string | undefined;
  /** Value when neither flag nor config sets it; null means "no default" (unset). Omitted: the component's own. */
  default?: DefaultValue | null | undefined;
}

export type SettingSource = "flag" | "config" | "config-dir" | "default" | "unset";

export interface EffectiveSetting {
  value: unknown;
  source: SettingSource;
  /** The flag's value as written, when it came from a flag. */
  raw?: string;
  /** `--flag` or the config key that supplied the value. */
  key?: string;
  file?: string;
  line?: number;
  pid?: number;
  via?: string;
  /** Set when a source that could change this value could not be read: why. */
  unobserved?: string;
}

export interface EffectiveOptions {
  /** The component's own default for the setting (after the check's explicit default). */
  defaultFor?: (spec: SettingSpec) => DefaultValue | undefined;
  /** An empty string or null in the config means "not set" (component configs default their zero values). */
  emptyIsUnset?: boolean;
}

/** Type a flag's text as the component would: booleans, and numbers where the setting is numeric. */
export function typeFlagValue(raw: string, hint: unknown): unknown {
  const lower = raw.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (typeof hint === "number" && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  return raw;
}

function flagValue(src: SettingSources, flag: string): { raw: string; base: string; full: string } | undefined {
  const full = normaliseFlagName(flag);
  const dot = full.indexOf(".");
  const base = dot === -1 ? full : full.slice(0, dot);
  if (!Object.hasOwn(src.flags, base)) return undefined;
  let raw: string | undefined = src.flags[base] as string;
  if (dot !== -1) {
    const m = parseMapFlag(raw);
    const key = full.slice(dot + 1);
    raw = Object.hasOwn(m, key) ? m[key] : undefined;
  }
  return raw === undefined ? undefined : { raw, base, full };
}

/**
 * The effective value of one setting. Flag values are typed: "true"/"false" become
 * booleans; numeric strings become numbers when the default (or the config value) is a
 * number; anything else stays a string.
 */
export function effectiveSetting(src: SettingSources, spec: SettingSpec, options: EffectiveOptions = {}): EffectiveSetting {
  const cfg = spec.config ? getConfigPath(src.config, spec.config) : { found: false };
  // YAML `null` is no value (the component decodes it to its zero value / default).
  const cfgSet = cfg.found && cfg.value !== null && !(options.emptyIsUnset && cfg.value === "");
  const builtin = spec.default === undefined ? options.defaultFor?.(spec) : undefined;
  const hint = spec.default ?? builtin ?? cfg.value;
  const unobserved = (configToo: boolean): { unobserved?: string } => {
    const why = [src.flagsUnobserved, configToo ? src.configUnobserved : undefined].filter((x): x is string => !!x);
    return why.length > 0 ? { unobserved: why.join("; ") } : {};
  };

  if (spec.flag) {
    const f = flagValue(src, spec.flag);
    if (f) {
      const origin = src.flagSources?.[f.base] ?? {};
      return { value: typeFlagValue(f.raw, hint), source: "flag", raw: f.raw, key: `--${f.full}`, ...origin, ...unobserved(false) };
    }
  }
  if (spec.config && cfgSet) {
    const loc = src.configKeyLines?.[spec.config];
    const layer = loc ? src.layers?.find((l) => l.file === loc.file) : src.layers?.[src.layers.length - 1];
    return {
      value: cfg.value,
      source: layer?.kind ?? "config",
      key: spec.config,
      ...(loc ? { file: loc.file, line: loc.line } : layer ? { file: layer.file } : {}),
      ...unobserved(true),
    };
  }
  if (spec.default !== undefined && spec.default !== null) return { value: spec.default, source: "default", ...unobserved(true) };
  if (builtin !== undefined) return { value: builtin, source: "default", ...unobserved(true) };
  return { value: undefined, source: "unset", ...unobserved(true) };
}

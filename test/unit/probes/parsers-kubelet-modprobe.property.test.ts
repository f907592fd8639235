import fc from "fast-check";
import { mutated as mutate } from "../../helpers/fuzz.js";
import { beforeEach, describe, expect, it } from "vitest";
import { parseKubeletConfig } from "../../../src/probes/parse/kubelet-config.js";
import { kubeletArgs, parseCmdline, parseKubeletFlags, parseMapFlag } from "../../../src/probes/parse/kubelet-flags.js";
import {
  expandExecStart,
  parseEnvironmentFile,
  parseEnvironmentValue,
  splitWords,
  type EnvValue,
} from "../../../src/probes/parse/unit-exec.js";
import { mergeUnitSections, parseUnitFile } from "../../../src/probes/parse/unit-file.js";
import { isDisablingInstall, parseModprobeConf, parseModuleList, parseProcModules } from "../../../src/probes/parse/modprobe.js";
import { loadYaml } from "../../../src/util/yaml.js";

const RUNS = { numRuns: 400 };

/** Characters that matter to these grammars, plus ordinary ones. */
const nasty = fc.constantFrom('"', "'", "\\", "\n", "\r", " ", "\t", "=", "$", "{", "}", "#", ";", "-", "[", "]", "%", "\0", "a", "Z", "_", "1", "é");
const nastyString = fc.string({ unit: nasty, maxLength: 200 });
const anyString = fc.oneof(nastyString, fc.string({ unit: "binary", maxLength: 200 }));

/** Splice short runs of nasty characters into a valid sample. */
const mutated = (sample: string): fc.Arbitrary<string> => mutate(sample, { maxEdits: 8, maxDelete: 4, insert: nastyString.map((s) => s.slice(0, 4)) });

const MODPROBE_SAMPLE = "# cis\ninstall cramfs /bin/false\nblacklist cramfs\noptions snd-hda model=auto \\\n power_save=1\nalias net-pf-10 off\n";
const UNIT_SAMPLE = `[Service]\nEnvironment="KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf" A=b\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS \\\n  \${KUBELET_EXTRA_ARGS} --v=2\n`;
const ENVFILE_SAMPLE = `# kubeadm\nKUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///run/containerd/containerd.sock --v=2"\nKUBELET_EXTRA_ARGS='--read-only-port=0' \nX=a\\ b\\\nc\n`;

const flagName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const envName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);

describe("modprobe.d parser (property)", () => {
  it("never throws on random or mutated input; lines are in range; names are normalised", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, mutated(MODPROBE_SAMPLE)), (text) => {
        const { directives, problems } = parseModprobeConf(text, "/f.conf");
        const lines = text.split("\n").length;
        for (const d of [...directives, ...problems]) expect(d.line >= 1 && d.line <= lines).toBe(true);
        for (const d of directives) if (d.kind !== "alias") expect(d.module).not.toContain("-");
        for (const d of directives) if (d.command !== undefined) isDisablingInstall(d.command);
        parseModuleList(text);
        parseProcModules(text);
      }),
      RUNS,
    );
  });

  it("finds every install line it is given", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/), fc.constantFrom("/bin/false", "/bin/true", "/sbin/x y")), { maxLength: 10 }), (items) => {
        const text = items.map(([m, c]) => `install ${m} ${c}`).join("\n");
        const { directives, problems } = parseModprobeConf(text, "/f.conf");
        expect(problems).toEqual([]);
        expect(directives.map((d) => [d.module, d.command])).toEqual(items.map(([m, c]) => [m.replace(/-/g, "_"), c]));
      }),
      RUNS,
    );
  });
});

describe("kubelet flag parser (property)", () => {
  it("never throws; names are normalised; index points at a flag token", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyString, fc.constantFrom("--", "-", "--x", "--=", "---y=1", "--__proto__=1")), { maxLength: 30 }), (args) => {
        const { flags, index, positional } = parseKubeletFlags(args);
        expect(Object.getPrototypeOf(flags)).toBeNull(); // `--__proto__=x` cannot pollute
        for (const k of Object.keys(flags)) {
          expect(k).not.toBe("");
          expect(k).not.toContain("_");
          expect(args[index[k] as number]?.startsWith("-")).toBe(true);
        }
        expect(positional.length).toBeLessThanOrEqual(args.length);
        kubeletArgs(args);
        parseMapFlag(args.join(","));
      }),
      RUNS,
    );
  });

  it("round-trips --name=value (last occurrence wins)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(flagName, anyString), { maxLength: 15 }), (pairs) => {
        const expected: Record<string, string> = {};
        for (const [k, v] of pairs) expected[k] = v;
        const { flags } = parseKubeletFlags(pairs.map(([k, v]) => `--${k}=${v}`));
        expect({ ...flags }).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("parseCmdline splits NUL-separated argv exactly", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom("a", "-", "=", "/", "é"), minLength: 1, maxLength: 10 }), { minLength: 2, maxLength: 10 }), (argv) => {
        expect(parseCmdline(argv.join("\0") + "\0")).toEqual(argv);
      }),
      RUNS,
    );
    fc.assert(fc.property(anyString, (raw) => void parseCmdline(raw)), RUNS);
  });
});

describe("EnvironmentFile parser (property)", () => {
  it("never throws on random or mutated input; lines are in range", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, mutated(ENVFILE_SAMPLE)), (text) => {
        const { vars, problems } = parseEnvironmentFile(text, "/e");
        const lines = text.split("\n").length;
        for (const v of [...vars, ...problems]) expect(v.line >= 1 && v.line <= lines).toBe(true);
        for (const v of vars) expect(v.name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      }),
      RUNS,
    );
  });

  it("round-trips double-quoted values", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(envName, anyString), { maxLength: 10 }), (pairs) => {
        const text = pairs.map(([k, v]) => `${k}="${v.replace(/[\\"`$]/g, (c) => "\\" + c)}"`).join("\n") + "\n";
        const { vars, problems } = parseEnvironmentFile(text, "/e");
        expect(problems).toEqual([]);
        expect(vars.map((v) => [v.name, v.value])).toEqual(pairs);
      }),
      RUNS,
    );
  });
});

describe("unit file and ExecStart splitting (property)", () => {
  it("never throws on random or mutated unit files, Environment= values or ExecStart lines", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, mutated(UNIT_SAMPLE)), anyString, (text, cmd) => {
        const entries = Object.values(mergeUnitSections([parseUnitFile(text, "/u")])).flat();
        const env = new Map<string, EnvValue>();
        for (const e of entries) {
          if (e.key === "Environment") for (const v of parseEnvironmentValue(e.value).vars) env.set(v.name, { value: v.value });
        }
        for (const e of entries) if (e.key === "ExecStart") expandExecStart(e.value, env, { file: "/u", line: e.line });
        const ex = expandExecStart(cmd, env);
        expect(ex.origins).toHaveLength(ex.argv.length);
      }),
      RUNS,
    );
  });

  it("double-quoted words split back into the same words", () => {
    fc.assert(
      fc.property(fc.array(anyString, { maxLength: 10 }), (words) => {
        const line = words.map((w) => `"${w.replace(/[\\"]/g, (c) => "\\" + c)}"`).join(" ");
        const { words: out, problems } = splitWords(line);
        expect(problems).toEqual([]);
        expect(out.map((w) => w.text)).toEqual(words);
      }),
      RUNS,
    );
  });

  it("a bare $VAR expands to the variable's words; ${VAR} stays one word", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z=\-/.]{1,8}$/), { maxLength: 6 }), (parts) => {
        const env = new Map<string, EnvValue>([["V", { value: parts.join("  ") }]]);
        expect(expandExecStart("/usr/bin/kubelet $V", env).argv).toEqual(["/usr/bin/kubelet", ...parts]);
        expect(expandExecStart("/usr/bin/kubelet ${V}", env).argv).toEqual(["/usr/bin/kubelet", parts.join("  ")]);
      }),
      RUNS,
    );
  });
});

describe("pathological input finishes quickly", () => {
  // The parsers are synchronous: their callers await loadYaml() first (src/util/yaml.ts).
  beforeEach(async () => {
    await loadYaml();
  });
  it("handles 200k-character adversarial strings in linear time (no quadratic joins)", () => {
    const big = [
      "\\".repeat(200_000),
      '"'.repeat(200_000),
      "install a ".repeat(20_000),
      "A=\\\n".repeat(50_000),
      "$".repeat(100_000) + "{".repeat(100_000),
      "[".repeat(200_000),
      "--x ".repeat(50_000),
    ];
    for (const s of big) {
      const t0 = performance.now();
      parseModprobeConf(s, "/f");
      parseEnvironmentFile(s, "/e");
      parseUnitFile(s, "/u");
      expandExecStart(s, new Map());
      parseKubeletFlags(s.split(" "));
      parseKubeletConfig(s.slice(0, 20_000), "/c");
      expect(performance.now() - t0).toBeLessThan(3000);
    }
  });
});

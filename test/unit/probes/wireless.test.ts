import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createProbeContext } from "../../../src/engine/run-checks.js";
import { runCommand } from "../../../src/host/exec.js";
import probe from "../../../src/probes/wireless.js";
import { cleanupFixtures, fixtureRoot, probeContext, type FixtureSpec } from "../../helpers/fixture-root.js";
import { TableHost } from "../../helpers/hidden-sources.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  offline: { notApplicable: ["interfaces", "count"] },
});

afterAll(cleanupFixtures);

/** A running system: procfs with PID 1, sysfs with an ethernet and a wireless interface (iwlwifi). */
function running(extra: FixtureSpec = {}): FixtureSpec {
  return {
    "proc/1/cmdline": "/sbin/init\0",
    "proc/modules": "iwlwifi 458752 1 iwlmvm, Live 0x0000000000000000\next4 1015808 1 - Live 0x0000000000000000\n",
    "sys/class/net/eth0": { symlink: "../../devices/pci0000:00/0000:00:03.0/net/eth0" },
    "sys/devices/pci0000:00/0000:00:03.0/net/eth0/address": "52:54:00:12:34:56\n",
    "sys/class/net/wlp2s0": { symlink: "../../devices/pci0000:00/0000:02:00.0/net/wlp2s0" },
    "sys/devices/pci0000:00/0000:02:00.0/net/wlp2s0/wireless/.keep": "",
    "sys/devices/pci0000:00/0000:02:00.0/net/wlp2s0/device": { symlink: "../../../0000:02:00.0" },
    "sys/devices/pci0000:00/0000:02:00.0/driver": { symlink: "../../../bus/pci/drivers/iwlwifi" },
    "sys/bus/pci/drivers/iwlwifi/module": { symlink: "../../../../module/iwlwifi" },
    "sys/module/iwlwifi/refcnt": "1\n",
    ...extra,
  };
}

const collect = async (spec: FixtureSpec) => {
  const root = await fixtureRoot(spec);
  return probe.collect(probeContext(root, { proc: path.join(root, "proc") }), {});
};

describe("wireless probe", () => {
  it("lists the wireless interfaces with their driver module, loaded and not disabled", async () => {
    const f = await collect(running());
    expect(f).toEqual({
      value: { interfaces: [{ name: "wlp2s0", module: "iwlwifi", loaded: true, disabledByInstall: false, blacklisted: false }], count: 1 },
      evidence: [{ file: "/sys/class/net/wlp2s0", key: "wlp2s0", module: "iwlwifi", detail: "wireless; driver module iwlwifi, loaded" }],
    });
  });

  it("the driver disabled in modprobe.d and not loaded", async () => {
    const f = await collect(running({
      "proc/modules": "ext4 1015808 1 - Live 0x0000000000000000\n",
      "etc/modprobe.d/disable_wireless.conf": "install iwlwifi /bin/false\nblacklist iwlwifi\n",
    }));
    expect(f.value.interfaces).toEqual([{ name: "wlp2s0", module: "iwlwifi", loaded: false, disabledByInstall: true, blacklisted: true }]);
    expect(f.unknown).toBeUndefined();
  });

  it("no wireless interface: none (observed), the interfaces counted in the evidence", async () => {
    const spec = running();
    delete spec["sys/devices/pci0000:00/0000:02:00.0/net/wlp2s0/wireless/.keep"];
    const f = await collect(spec);
    expect(f).toEqual({ value: { interfaces: [], count: 0 }, evidence: [{ file: "/sys/class/net", detail: "2 interfaces, none wireless" }] });
  });

  it("running, but no /sys/class/net under the root: unknown, never 'no wireless'", async () => {
    const f = await collect({ "proc/1/cmdline": "/sbin/init\0" });
    expect(f.unknown).toEqual({
      interfaces: "sysfs is not mounted at /sys under this root (no /sys/class/net)",
      count: "sysfs is not mounted at /sys under this root (no /sys/class/net)",
    });
  });

  describe("hidden sources are unknown", () => {
    const hiddenCollect = async (source: string) => {
      const root = await fixtureRoot(running());
      const host = new TableHost({ root, proc: path.join(root, "proc"), hide: { source, mode: "unreadable" } });
      return probe.collect(createProbeContext(host, runCommand, 5000), {});
    };
    for (const source of ["root:/sys/class/net", "root:/sys/class/net/wlp2s0", "root:/etc/modprobe.d", "proc:modules"]) {
      it(source, async () => {
        const f = await hiddenCollect(source);
        expect(Object.keys(f.unknown ?? {}).sort(), source).toEqual(["count", "interfaces"]);
        expect(f.unknown?.interfaces, source).toMatch(/EACCES/);
      });
    }
  });
});

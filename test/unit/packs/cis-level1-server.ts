/**
 * The Level 1 Server recommendations of each CIS Linux benchmark the OS packs follow, by
 * number: what "≥ 95 % of the benchmark's Level 1 Server recommendations present" is measured
 * against (cis-linux-coverage.test.ts).
 *
 * Source: ComplianceAsCode's control files for these benchmarks (`cis_debian12`,
 * `cis_ubuntu2204_v2` = Ubuntu 22.04 v2.0.0, `cis_ubuntu2404` = Ubuntu 24.04 v1.0.0), every
 * control whose `levels` include `l1_server`; Ubuntu 24.04's numbering cross-checked with
 * Microsoft's published AKS Ubuntu 24.04 CIS v1.0.0 table (section 6: 6.1 logging with journald
 * and rsyslog, 6.2 auditd, 6.3 AIDE — the layout Debian 12 v1.1.0 inherited). RHEL 9 v2.0.0:
 * ComplianceAsCode's products/rhel9/controls/cis_rhel9.yml (`version: '2.0.0'`; the older
 * controls/cis_rhel9.yml is v1.0.0), every control at `l1_server` but its two helper controls
 * (reload_dconf_db, enable_authselect).
 *
 * Written as ranges: "5.1.10-22" is 5.1.10 … 5.1.22 (the last component counts).
 */
const DEBIAN_FAMILY_COMMON = [
  "1.1.2.1.1-4", "1.1.2.2.1-4", "1.1.2.3.2-3", "1.1.2.4.2-3", "1.1.2.5.2-4", "1.1.2.6.2-4", "1.1.2.7.2-4",
  "1.2.1.1-2", "1.2.2.1",
  "1.3.1.1-3",
  "1.4.1-2",
  "1.5.1-5",
  "1.6.1-6",
  "1.7.2-10",
  "2.1.1-19", "2.1.21-22",
  "2.2.1-6",
  "2.3.1.1", "2.3.2.1-2", "2.3.3.1-3",
  "2.4.1.1-8", "2.4.2.1",
  "3.1.1-3",
  "3.3.1-11",
  "5.1.1-7", "5.1.10-22",
  "5.2.1-3", "5.2.5-7",
  "5.3.1.1-3", "5.3.2.1-4", "5.3.3.1.1-2", "5.3.3.2.1-8", "5.3.3.3.1-3", "5.3.3.4.1-4",
  "5.4.1.1", "5.4.1.3-6", "5.4.2.1-8", "5.4.3.2-3",
  "7.1.1-13", "7.2.1-10",
];

/** CIS Debian Linux 12 v1.1.0 and CIS Ubuntu Linux 24.04 LTS v1.0.0 (the same numbering). */
const DEBIAN12_UBUNTU2404 = [
  "1.1.1.1-5", "1.1.1.9-10",
  ...DEBIAN_FAMILY_COMMON,
  "4.1.1", "4.2.1-7", "4.3.1-10", "4.4.1.1-3", "4.4.2.1-4", "4.4.3.1-4",
  "6.1.1.1-4", "6.1.2.1.1-4", "6.1.2.2-4", "6.1.3.1-8", "6.1.4.1",
  "6.3.1-2",
];

/** CIS Ubuntu Linux 22.04 LTS v2.0.0. */
const UBUNTU2204 = [
  "1.1.1.1-5", "1.1.1.8",
  ...DEBIAN_FAMILY_COMMON,
  "4.1.1-7", "4.2.1-10", "4.3.1.1-3", "4.3.2.1-4", "4.3.3.1-4",
  "6.1.1-2",
  "6.2.1.1.1-6", "6.2.1.2.1-4", "6.2.2.1",
];

/** CIS Red Hat Enterprise Linux 9 v2.0.0. */
const RHEL9 = [
  "1.1.1.1-5", "1.1.1.8-9",
  "1.1.2.1.1-4", "1.1.2.2.1-4", "1.1.2.3.2-3", "1.1.2.4.2-3", "1.1.2.5.2-4", "1.1.2.6.2-4", "1.1.2.7.2-4",
  "1.2.1.1-2", "1.2.1.4", "1.2.2.1",
  "1.3.1.1-4", "1.3.1.7-8",
  "1.4.1-2",
  "1.5.1-4",
  "1.6.1-7",
  "1.7.1-6",
  "1.8.2-10",
  "2.1.1-19", "2.1.21-22",
  "2.2.1", "2.2.3-5",
  "2.3.1-3",
  "2.4.1.1-8", "2.4.2.1",
  "3.1.1-3",
  "3.3.1-11",
  "4.1.1-2", "4.2.1-2", "4.3.1-4",
  "5.1.1-9", "5.1.12-22",
  "5.2.1-3", "5.2.5-7",
  "5.3.1.1-3", "5.3.2.1-5", "5.3.3.1.1-2", "5.3.3.2.1-7", "5.3.3.3.1-3", "5.3.3.4.1-4",
  "5.4.1.1", "5.4.1.3-6", "5.4.2.1-8", "5.4.3.2-3",
  "6.1.1-3",
  "6.2.1.1-4", "6.2.2.1.1-4", "6.2.2.2-4", "6.2.3.1-8", "6.2.4.1",
  "7.1.1-13", "7.2.1-9",
];

function expand(ranges: readonly string[]): string[] {
  const out: string[] = [];
  for (const r of ranges) {
    const m = /^((?:\d+\.)*)(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) throw new Error(`bad range ${r}`);
    const [, prefix = "", from = "", to] = m;
    for (let i = Number(from); i <= Number(to ?? from); i++) out.push(`${prefix}${i}`);
  }
  return out;
}

/** pack id → the benchmark's Level 1 Server recommendation numbers. */
export const LEVEL1_SERVER: Readonly<Record<string, readonly string[]>> = {
  "cis-debian-12": expand(DEBIAN12_UBUNTU2404),
  "cis-ubuntu-24.04": expand(DEBIAN12_UBUNTU2404),
  "cis-ubuntu-22.04": expand(UBUNTU2204),
  "cis-rhel-9": expand(RHEL9),
};

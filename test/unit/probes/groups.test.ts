/** groups: the conformance suite (its cases are in accounts-policy.test.ts). No /etc/group is no account database at all: unknown. */
import probe from "../../../src/probes/groups.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  offline: { unknown: ["groups", "duplicateGids", "duplicateNames", "gid0", "missingPrimary"] },
});

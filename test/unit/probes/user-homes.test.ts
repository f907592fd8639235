/** user-homes: the conformance suite (its cases are in accounts-policy.test.ts). No /etc/passwd leaves the users unknown. */
import probe from "../../../src/probes/user-homes.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  offline: { unknown: ["users", "files"] },
});

/** pam: the conformance suite (its cases are in pam-sudoers.test.ts). */
import probe from "../../../src/probes/pam.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{ service: "common-auth" }],
  offline: {},
});

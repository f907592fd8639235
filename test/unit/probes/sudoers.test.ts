/** sudoers: the conformance suite (its cases are in pam-sudoers.test.ts). */
import probe from "../../../src/probes/sudoers.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  mayOmit: { logfile: "no Defaults logfile: sudo logs to syslog only" },
  offline: {},
});

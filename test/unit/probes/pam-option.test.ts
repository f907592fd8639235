/** pam-option: the conformance suite (its cases are in pam-sudoers.test.ts). */
import probe from "../../../src/probes/pam-option.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{ module: "pam_pwquality.so", option: "minlen", services: ["common-password"] }],
  mayOmit: {
    conf: "the option is not set in the module's configuration file (its PAM lines may still set it: args)",
    confFile: "the option is not set in the module's configuration file",
    confLine: "the option is not set in the module's configuration file",
  },
  offline: {},
});

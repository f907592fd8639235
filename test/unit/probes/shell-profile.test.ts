/** shell-profile: the conformance suite (its cases are in accounts-policy.test.ts). */
import probe from "../../../src/probes/shell-profile.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}, { variable: "TMOUT" }],
  mayOmit: {
    variable: "no variable asked: the umask lines are the answer",
    assignments: "no variable asked: the umask lines are the answer",
    readonly: "no variable asked: the umask lines are the answer",
    exported: "no variable asked: the umask lines are the answer",
    umasks: "a variable was asked: its assignments are the answer",
  },
  offline: {},
});

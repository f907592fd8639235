/** password-aging: the conformance suite (its cases are in accounts-policy.test.ts). No /etc/shadow leaves the users' ageing unknown. */
import probe from "../../../src/probes/password-aging.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  mayOmit: {
    passMaxDays: "not set in login.defs: shadow's default applies",
    passMinDays: "not set in login.defs: shadow's default applies",
    passWarnAge: "not set in login.defs: shadow's default applies",
    encryptMethod: "not set in login.defs: shadow's default applies",
    inactive: "not set in /etc/default/useradd: accounts never go inactive",
  },
  offline: { unknown: ["users"] },
});

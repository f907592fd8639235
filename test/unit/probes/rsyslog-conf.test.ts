import { afterAll, describe, expect, it } from "vitest";
import probe, { parseRsyslog } from "../../../src/probes/rsyslog-conf.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";
import { probeConformance } from "../../helpers/probe-conformance.js";

probeConformance(probe, {
  params: [{}],
  mayOmit: {
    fileCreateMode: "not set: rsyslog's built-in default applies",
    fileCreateModeAt: "not set: rsyslog's built-in default applies",
  },
  offline: {},
});

afterAll(cleanupFixtures);

describe("parseRsyslog", () => {
  it("legacy directives, RainerScript objects across lines, selector rules; odd lines are problems", () => {
    const p = parseRsyslog('# c\n$ModLoad imuxsock\nmodule(load="imtcp")\ninput(type="imtcp"\n      port="514")\n$FileCreateMode 0640\n*.*;auth,authpriv.none -/var/log/syslog\nauth.* @@loghost:514\naction(type="omfwd" target="10.0.0.1" port="514" protocol="tcp")\nnonsense\nmodule(load="x"\n');
    expect(p.directives).toEqual([{ name: "modload", value: "imuxsock", line: 2 }, { name: "filecreatemode", value: "0640", line: 6 }]);
    expect(p.objects).toEqual([
      { kind: "module", params: { load: "imtcp" }, line: 3 },
      { kind: "input", params: { type: "imtcp", port: "514" }, line: 4 },
      { kind: "action", params: { type: "omfwd", target: "10.0.0.1", port: "514", protocol: "tcp" }, line: 9 },
    ]);
    expect(p.rules).toEqual([{ selector: "*.*;auth,authpriv.none", action: "-/var/log/syslog", line: 7 }, { selector: "auth.*", action: "@@loghost:514", line: 8 }]);
    expect(p.problems).toEqual([{ line: 10, message: 'not a directive, object or rule: "nonsense"' }, { line: 11, message: "unclosed module( … )" }]);
  });
});

describe("rsyslog-conf probe", () => {
  it("follows $IncludeConfig and include(); the last FileCreateMode wins; network inputs and forwards", async () => {
    const root = await fixtureRoot({
      "etc/rsyslog.conf": 'module(load="imuxsock")\n$FileCreateMode 0644\n$IncludeConfig /etc/rsyslog.d/*.conf\ninclude(file="/etc/rsyslog.extra" mode="optional")\n',
      "etc/rsyslog.d/50-default.conf": "*.*;auth,authpriv.none -/var/log/syslog\n",
      "etc/rsyslog.d/60-cis.conf": "$FileCreateMode 0640\n",
      "etc/rsyslog.d/README": "$FileCreateMode 0666\n",
      "etc/rsyslog.extra": '$ModLoad imudp\n$UDPServerRun 514\n*.* @logs.example.org\n',
    });
    const f = await probe.collect(probeContext(root), {});
    expect(f.value).toEqual({
      exists: true,
      files: ["/etc/rsyslog.conf", "/etc/rsyslog.d/50-default.conf", "/etc/rsyslog.d/60-cis.conf", "/etc/rsyslog.extra"],
      fileCreateMode: "0640", fileCreateModeAt: { file: "/etc/rsyslog.d/60-cis.conf", line: 1 },
      modules: [{ name: "imuxsock", file: "/etc/rsyslog.conf", line: 1 }, { name: "imudp", file: "/etc/rsyslog.extra", line: 1 }],
      networkInputs: [{ type: "udpserverrun", port: "514", file: "/etc/rsyslog.extra", line: 2 }],
      forwards: [{ target: "logs.example.org", file: "/etc/rsyslog.extra", line: 3 }],
      rules: [{ selector: "*.*;auth,authpriv.none", action: "-/var/log/syslog", file: "/etc/rsyslog.d/50-default.conf", line: 1 }, { selector: "*.*", action: "@logs.example.org", file: "/etc/rsyslog.extra", line: 3 }],
    });
  });

  it("no rsyslog.conf: not there; an unreadable include is unknown", async () => {
    expect((await probe.collect(probeContext(await fixtureRoot({ "etc/hostname": "x\n" })), {})).value.exists).toBe(false);
    const root = await fixtureRoot({ "etc/rsyslog.conf": "$IncludeConfig /etc/rsyslog.d/x.conf\n", "etc/rsyslog.d/x.conf": { symlink: "../../../../../y" } });
    expect((await probe.collect(probeContext(root), {})).unknown?.networkInputs).toMatch(/^cannot read \/etc\/rsyslog\.d\/x\.conf: /);
  });
});

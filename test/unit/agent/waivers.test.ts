import { describe, expect, it } from "vitest";
import { applyWaivers, countWaived, isExpired } from "../../../src/agent/waivers.js";
import { report, result } from "./helpers.js";

const r = report([result("cis-debian-12", "7.1.5", "fail"), result("cis-ubuntu", "7.1.5", "fail"), result("cis-debian-12", "2.1.2", "pass")]);
const day = (s: string) => new Date(`${s}T12:00:00Z`);

describe("waivers", () => {
  it("a waived result keeps its status and carries the reason and expiry", () => {
    const v = applyWaivers(r, [{ check: "cis-debian-12/7.1.5", reason: "ticket 7", expires: "2026-12-31" }], day("2026-11-22"));
    expect(v.results[0]).toMatchObject({ status: "fail", waiver: { reason: "ticket 7", expires: "2026-12-31" } });
    expect(v.results[1]?.waiver).toBeUndefined();
    expect(v.waivers).toEqual([{ check: "cis-debian-12/7.1.5", reason: "ticket 7", expires: "2026-12-31", state: "active", applied: ["cis-debian-12/7.1.5"] }]);
    expect(countWaived(v)).toBe(1);
    expect(r.results[0]).not.toHaveProperty("waiver"); // input untouched
  });

  it("a bare id waives that id in every pack", () => {
    const v = applyWaivers(r, [{ check: "7.1.5", reason: "both", expires: "2026-12-31" }], day("2026-11-22"));
    expect(v.waivers[0]?.applied).toEqual(["cis-debian-12/7.1.5", "cis-ubuntu/7.1.5"]);
    expect(countWaived(v)).toBe(2);
  });

  it("applies through the end of its expiry day (UTC), then stops and says so", () => {
    const w = { check: "cis-debian-12/7.1.5", reason: "r", expires: "2026-11-22" };
    expect(isExpired(w, new Date("2026-11-22T23:59:59Z"))).toBe(false);
    expect(isExpired(w, new Date("2026-11-23T00:00:00Z"))).toBe(true);
    const v = applyWaivers(r, [w], new Date("2026-11-23T00:00:00Z"));
    expect(v.results[0]?.waiver).toBeUndefined();
    expect(v.waivers[0]?.state).toBe("expired");
    expect(countWaived(v)).toBe(0);
  });

  it("a waiver naming no check is unmatched; the more specific of two waivers wins", () => {
    const v = applyWaivers(
      r,
      [
        { check: "9.9.9", reason: "gone", expires: "2030-01-01" },
        { check: "7.1.5", reason: "generic", expires: "2030-01-01" },
        { check: "cis-debian-12/7.1.5", reason: "specific", expires: "2030-01-01" },
      ],
      day("2026-11-22"),
    );
    expect(v.waivers.map((w) => w.state)).toEqual(["unmatched", "active", "active"]);
    expect(v.results[0]?.waiver?.reason).toBe("specific");
    expect(v.results[1]?.waiver?.reason).toBe("generic");
  });
});

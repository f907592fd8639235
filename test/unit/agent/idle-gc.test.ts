import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IdleCollector } from "../../../src/agent/idle-gc.js";

describe("IdleCollector: the full GC after a scan waits for a quiet API", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function collector(): { c: IdleCollector; gcs: number[] } {
    const gcs: number[] = [];
    const c = new IdleCollector({ quietMs: 1000, giveUpMs: 10_000, pollMs: 100, gc: () => gcs.push(Date.now()) });
    return { c, gcs };
  }

  it("collects once, a quiet second after the scan was taken in", () => {
    const { c, gcs } = collector();
    const t0 = Date.now();
    c.scanTakenIn();
    vi.advanceTimersByTime(900);
    expect(gcs).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(gcs).toEqual([t0 + 1000]);
    vi.advanceTimersByTime(5000);
    expect(gcs).toHaveLength(1);
    expect(c.collections).toBe(1);
    expect(c.dropped).toBe(0);
  });

  it("does nothing without a scan", () => {
    const { c, gcs } = collector();
    c.noteRequest();
    vi.advanceTimersByTime(20_000);
    expect(gcs).toEqual([]);
    expect(c.collections).toBe(0);
  });

  it("waits while requests keep arriving, and collects a quiet second after the last one", () => {
    const { c, gcs } = collector();
    const t0 = Date.now();
    c.scanTakenIn();
    // A scrape every 200 ms for 3 s: never a quiet second.
    for (let i = 0; i < 15; i++) {
      vi.advanceTimersByTime(200);
      c.noteRequest();
    }
    expect(gcs).toEqual([]);
    vi.advanceTimersByTime(2000);
    // The last request (t0+3000, after that instant's poll) is seen by the poll of t0+3100; a quiet second from then.
    expect(gcs).toEqual([t0 + 4100]);
  });

  it("gives up after giveUpMs of constant requests (V8's own incremental collector takes over)", () => {
    const { c, gcs } = collector();
    c.scanTakenIn();
    for (let i = 0; i < 60; i++) {
      vi.advanceTimersByTime(200);
      c.noteRequest();
    }
    vi.advanceTimersByTime(5000);
    expect(gcs).toEqual([]);
    expect(c.dropped).toBe(1);
    expect(c.collections).toBe(0);
  });

  it("a second scan while one collection is pending asks for no second collection", () => {
    const { c, gcs } = collector();
    c.scanTakenIn();
    vi.advanceTimersByTime(500);
    c.scanTakenIn();
    vi.advanceTimersByTime(5000);
    expect(gcs).toHaveLength(1);
  });

  it("stop() cancels a pending collection", () => {
    const { c, gcs } = collector();
    c.scanTakenIn();
    c.stop();
    vi.advanceTimersByTime(5000);
    expect(gcs).toEqual([]);
  });
});

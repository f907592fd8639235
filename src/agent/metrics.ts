/**
 * The agent's /metrics, built for scrapes that cost nothing:
 *   - the per-scan families (src/report/prometheus.ts) are rendered once per scan, and
 *     again only when the day changes (a waiver may expire), into a cached buffer;
 *   - the agent's own series (build info, scan counters, the scan's event-loop delay,
 *     process and Node.js memory) are a few dozen lines, rendered at most once a second
 *     and whenever a counter moves;
 *   - the response is kept in parts, plain and gzipped: the own series (a few KB, rebuilt
 *     when a scan or a counter changed, or when the process figures are a second old) and
 *     the per-scan part (~200 KB on a node, kept as it is from one scan to the next, never
 *     copied into a new buffer per refresh). Its gzip form is made once per scan too: one
 *     gzip stream whose deflate data is the own part's blocks (flushed to a byte boundary,
 *     not final) followed by the per-scan part's own deflate stream, and a trailer with the
 *     CRC-32 and length of the whole. One stream, not concatenated members: Go's reader
 *     (Prometheus) accepts members, curl does not. A refresh whose own series came out
 *     byte-identical keeps the previous exposition.
 * A scrape therefore sends cached Buffers: no label formatting, no compression of the scan's series.
 */
import { readdirSync, readFileSync } from "node:fs";
import { constants as zlibConstants, crc32, deflateRawSync } from "node:zlib";
import type { ScanReport } from "../engine/result.js";
import { SCAN_TRIGGERS, type ScanTrigger } from "../model/vocabulary.js";
import { BUILD_INFO, PROMETHEUS_CONTENT_TYPE, renderFamilies, scanMetricFamilies, type MetricFamily } from "../report/prometheus.js";
import { pushAll } from "../util/array.js";
import type { LoopDelay } from "./scheduler.js";

/** `serve --once` is not counted: a one-shot process has no scrape to show it to. */
const COUNTED_TRIGGERS: readonly ScanTrigger[] = SCAN_TRIGGERS.filter((t) => t !== "once");

export const SCAN_ERROR_KINDS = ["scan", "state"] as const;
export type ScanErrorKind = (typeof SCAN_ERROR_KINDS)[number];

/** How long the agent's own series (process memory, CPU) may be reused between scrapes. */
export const SELF_METRICS_TTL_MS = 1000;

export interface AgentMetricsOptions {
  version: string;
  /** The node label of nodeward_build_info until a report names the scanned root's hostname. */
  node: string;
  /** Process and Node.js metrics (default true). */
  processMetrics?: boolean;
  /** Clock (tests). */
  now?: () => number;
}

export interface Exposition {
  /** The body in parts, to be sent one after the other: the own series, then the per-scan part. */
  readonly parts: readonly Buffer[];
  /** The gzip-encoded body in parts (one gzip stream). */
  readonly gzipParts: readonly Buffer[];
  /** The body as one Buffer (made on first use). */
  readonly body: Buffer;
  /** The gzip-encoded body as one Buffer (made on first use). */
  readonly gzip: Buffer;
}

const EMPTY = Buffer.alloc(0);
/** A gzip member's header: deflate, no name or time, Unix (what zlib writes). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/** The per-scan part, plain and as a final raw deflate stream of its own (compressed once per scan). */
interface ScanPart {
  plain: Buffer;
  deflated: Buffer;
}

function scanPartOf(plain: Buffer): ScanPart {
  return { plain, deflated: deflateRawSync(plain) };
}

const EMPTY_SCAN_PART = scanPartOf(EMPTY);

/** CRC-32 of the parts one after the other (an empty part is skipped: zlib answers 0 for a buffer without memory, whatever the running value). */
function crc32Of(parts: readonly Buffer[]): number {
  let crc = 0;
  for (const b of parts) if (b.length > 0) crc = crc32(b, crc);
  return crc;
}

/** One exposition: the own series and the per-scan part, plain and gzipped, whole on demand. */
class ExpositionParts implements Exposition {
  readonly parts: readonly Buffer[];
  readonly gzipParts: readonly Buffer[];
  private bodyWhole: Buffer | undefined;
  private gzipWhole: Buffer | undefined;

  constructor(
    readonly own: Buffer,
    readonly scan: ScanPart,
  ) {
    this.parts = [own, scan.plain];
    // The own part's deflate blocks end on a byte boundary and are not final, so the scan
    // part's stream (its back-references stay inside it) follows them as one stream.
    const ownDeflated = deflateRawSync(own, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const trailer = Buffer.allocUnsafe(8);
    trailer.writeUInt32LE(crc32Of(this.parts), 0);
    trailer.writeUInt32LE((own.length + scan.plain.length) % 0x1_0000_0000, 4);
    this.gzipParts = [GZIP_HEADER, ownDeflated, scan.deflated, trailer];
  }

  get body(): Buffer {
    this.bodyWhole ??= Buffer.concat(this.parts);
    return this.bodyWhole;
  }

  get gzip(): Buffer {
    this.gzipWhole ??= Buffer.concat(this.gzipParts);
    return this.gzipWhole;
  }
}

export class AgentMetrics {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  private readonly opts: AgentMetricsOptions;
  private node: string;
  private readonly scans = new Map<ScanTrigger, number>(COUNTED_TRIGGERS.map((t) => [t, 0]));
  private readonly scanErrors = new Map<ScanErrorKind, number>(SCAN_ERROR_KINDS.map((k) => [k, 0]));
  private loop: LoopDelay | undefined;
  private scanPart: ScanPart = EMPTY_SCAN_PART;
  private whole: ExpositionParts | undefined;
  private wholeAt = 0;
  /** Bumped by every change a scrape must see at once (a scan, a counter). */
  private generation = 0;
  private wholeGeneration = -1;
  /** Times the per-scan part was rendered (tests: "once per scan"). */
  scanRenders = 0;
  /** Exposition text of other parts of the agent (drift), after its own series. */
  private readonly sections: (() => string)[] = [];

  constructor(options: AgentMetricsOptions) {
    this.opts = options;
    this.node = options.node;
  }

  /** Replace every per-scan series with those of `report` (undefined: clear them). */
  setScan(report: ScanReport | undefined): void {
    if (report?.host.hostname) this.node = report.host.hostname;
    if (!report) {
      this.scanPart = EMPTY_SCAN_PART;
    } else {
      this.scanPart = scanPartOf(Buffer.from(renderFamilies(scanMetricFamilies(report))));
      this.scanRenders++;
    }
    this.generation++;
  }

  scanCompleted(trigger: ScanTrigger, loop: LoopDelay | undefined): void {
    if (COUNTED_TRIGGERS.includes(trigger)) this.scans.set(trigger, (this.scans.get(trigger) ?? 0) + 1);
    if (loop) this.loop = loop;
    this.generation++;
  }

  scanFailed(kind: ScanErrorKind): void {
    this.scanErrors.set(kind, (this.scanErrors.get(kind) ?? 0) + 1);
    this.generation++;
  }

  /** Add a part of the exposition, rendered with the agent's own series (drift's). */
  addSection(render: () => string): void {
    this.sections.push(render);
    this.generation++;
  }

  /** A section's values changed: a scrape sees them at once. */
  invalidate(): void {
    this.generation++;
  }

  /**
   * The exposition to send: cached; rebuilt at once after a change, and when the process
   * figures are a second old (only the own series are rendered and compressed then: a few
   * KB). A rebuild whose own series are byte-identical returns the previous exposition.
   */
  exposition(): Exposition {
    const now = this.opts.now?.() ?? Date.now();
    const whole = this.whole;
    if (whole && this.wholeGeneration === this.generation && now - this.wholeAt < SELF_METRICS_TTL_MS) return whole;
    const own = Buffer.from(renderFamilies(this.ownFamilies()) + this.sections.map((r) => r()).join(""));
    this.wholeAt = now;
    this.wholeGeneration = this.generation;
    if (whole && whole.scan === this.scanPart && whole.own.equals(own)) return whole;
    this.whole = new ExpositionParts(own, this.scanPart);
    return this.whole;
  }

  /** The plain text (tests, `promtool check metrics`). */
  async render(): Promise<string> {
    return this.exposition().body.toString("utf8");
  }

  private ownFamilies(): MetricFamily[] {
    const g = (name: string, help: string, value: number, type: "gauge" | "counter" = "gauge"): MetricFamily => ({ name, help, type, labelNames: [], samples: [{ labels: {}, value }] });
    const families: MetricFamily[] = [
      { ...BUILD_INFO, samples: [{ labels: { version: this.opts.version, node: this.node }, value: 1 }] },
      {
        name: "nodeward_scans_total",
        help: "Scans completed since the agent started, by trigger.",
        type: "counter",
        labelNames: ["trigger"],
        samples: [...this.scans].map(([trigger, value]) => ({ labels: { trigger }, value })),
      },
      {
        name: "nodeward_scan_errors_total",
        help: "Scans that failed (kind=scan) or whose results could not be saved (kind=state) since the agent started.",
        type: "counter",
        labelNames: ["kind"],
        samples: [...this.scanErrors].map(([kind, value]) => ({ labels: { kind }, value })),
      },
      g("nodeward_scan_event_loop_delay_p99_seconds", "99th percentile of the HTTP event loop's delay while the last scan ran.", (this.loop?.p99 ?? 0) / 1000),
      g("nodeward_scan_event_loop_delay_max_seconds", "Largest delay of the HTTP event loop while the last scan ran.", (this.loop?.max ?? 0) / 1000),
    ];
    if (this.opts.processMetrics !== false) pushAll(families, processFamilies(g));
    return families;
  }
}

type GaugeOf = (name: string, help: string, value: number, type?: "gauge" | "counter") => MetricFamily;

const startTime = Math.round(Date.now() / 1000 - process.uptime());

/** The process_* series every Prometheus client library exports (same names), and V8 heap figures. */
function processFamilies(g: GaugeOf): MetricFamily[] {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  const out = [
    g("process_cpu_user_seconds_total", "Total user CPU time spent in seconds.", cpu.user / 1e6, "counter"),
    g("process_cpu_system_seconds_total", "Total system CPU time spent in seconds.", cpu.system / 1e6, "counter"),
    g("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", (cpu.user + cpu.system) / 1e6, "counter"),
    g("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", startTime),
    g("process_resident_memory_bytes", "Resident memory size in bytes.", mem.rss),
    g("nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.", mem.heapTotal),
    g("nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.", mem.heapUsed),
    g("nodejs_external_memory_bytes", "Node.js external memory size in bytes.", mem.external),
  ];
  const fds = openFds();
  if (fds !== undefined) out.push(g("process_open_fds", "Number of open file descriptors.", fds));
  const max = maxFds();
  if (max !== undefined) out.push(g("process_max_fds", "Maximum number of open file descriptors.", max));
  return out;
}

function openFds(): number | undefined {
  try {
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return undefined;
  }
}

let maxFdsCache: number | undefined | null = null;
function maxFds(): number | undefined {
  if (maxFdsCache !== null) return maxFdsCache;
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const n = Number(line?.split(/\s+/)[3]);
    maxFdsCache = Number.isFinite(n) ? n : undefined;
  } catch {
    maxFdsCache = undefined;
  }
  return maxFdsCache;
}

/** True when an Accept-Encoding header accepts gzip (q > 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(",")) {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";").map((s) => s.trim());
    if (coding !== "gzip" && coding !== "x-gzip" && coding !== "*") continue;
    const q = params.find((p) => p.startsWith("q="));
    if (!q || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

const gzipVerdicts = new Map<string, boolean>();
/** acceptsGzip, remembered: a scraper sends the same header every time (a flood of distinct ones only resets the cache). */
export function gzipWanted(header: string | undefined): boolean {
  if (header === undefined) return false;
  let v = gzipVerdicts.get(header);
  if (v === undefined) {
    if (gzipVerdicts.size >= 64) gzipVerdicts.clear();
    gzipVerdicts.set(header, (v = acceptsGzip(header)));
  }
  return v;
}

/**
 * How the scan process streams a scan to the agent. A module of its own, with no side
 * effects: scan-child.ts registers `process.on("message")` handlers when imported, so
 * nothing but its own process may import it (a test worker that did would exit on its
 * runner's next message).
 */

/**
 * A scan's results go to the agent in messages of this many, before the report itself (its
 * `results` empty; the agent refills it, scan-process.ts): the agent deserialises each
 * message as its bytes arrive, in its own turn of the event loop, so a scrape waits for
 * ~1 ms of it, not for the whole ~1 MB report (10–16 ms of CPU under --jitless in one piece).
 */
export const RESULTS_PER_MESSAGE = 100;

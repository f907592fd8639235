/**
 * The drift re-check process's entry (forked by recheck-process.ts): it answers re-check
 * requests (recheck-child.ts) and nothing else. It is not scan-child.ts because a re-check
 * is what the first change after idle waits for, and that wait includes Node compiling
 * every module the entry imports: a scan's reporters, fix previews (remediation and its
 * schemas), inventory and config checks are not loaded here.
 */
import { answerRecheck, malformedRequest } from "./recheck-child.js";
import type { ChildMessage, ChildRequest } from "./scan-process.js";

function reply(msg: ChildMessage): void {
  process.send?.(msg);
}

process.on("message", (req: ChildRequest) => {
  const bad = malformedRequest(req);
  if (bad !== undefined) return reply({ ok: false, message: `the re-check process got ${bad}` });
  if (req.kind === "recheck") return void answerRecheck(req).then(reply);
  reply({ ok: false, message: `the re-check process answers re-checks, not a ${req.kind} request` });
});
// The agent died or closed the channel.
process.once("disconnect", () => process.exit(0));

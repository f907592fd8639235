/**
 * Tests call probes' params schemas directly (`probe.params.parse(...)`), which in the
 * program are built only after the pack loader awaited loadZod() (src/util/lazy-zod.ts).
 * The CLI tests run the built program in fresh processes, where nothing preloads zod.
 */
import { loadZod } from "../../src/util/lazy-zod.js";

await loadZod();

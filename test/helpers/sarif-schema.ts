/**
 * The official OASIS SARIF 2.1.0 schema (test/fixtures/README.md) as an ajv validator,
 * used as is apart from two known defects worked around in memory, so the schema file
 * stays verbatim:
 * - `definitions.region.properties.anyOf` is an `anyOf` misplaced inside `properties`
 *   (not a valid schema there); it is moved up to `definitions.region.anyOf`, its
 *   evident intent, which makes validation stricter, not looser.
 * - the `language` patterns use `(?i)`, which JavaScript regexes do not know; the
 *   prefix is turned into the `i` flag.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const SCHEMA_FILE = fileURLToPath(new URL("../fixtures/sarif-schema-2.1.0.json", import.meta.url));

export function sarifValidator() {
  type Obj = Record<string, unknown>;
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Obj;
  const region = (schema.definitions as Obj).region as Obj;
  const props = region.properties as Obj;
  if (Array.isArray(props.anyOf)) {
    region.anyOf = props.anyOf;
    delete props.anyOf;
  }
  const regExp = Object.assign(
    (pattern: string, flags?: string) =>
      pattern.includes("(?i)") ? new RegExp(pattern.replace("(?i)", ""), `${flags ?? ""}i`) : new RegExp(pattern, flags),
    { code: "new RegExp" },
  );
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, code: { regExp } });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

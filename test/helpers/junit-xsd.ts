/**
 * Validate JUnit XML against the Jenkins xunit plugin's junit-10.xsd (test/fixtures/,
 * see its README) with libxml2 compiled to WebAssembly (xmllint-wasm): the same
 * validation as `xmllint --schema junit-10.xsd`, with nothing to install from apt.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { validateXML } from "xmllint-wasm";

const XSD = readFileSync(fileURLToPath(new URL("../fixtures/junit-10.xsd", import.meta.url)), "utf8");

/** libxml2's messages for every schema violation; [] when the document is valid. */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: [{ fileName: "report.xml", contents: xml }], schema: [XSD] });
  return r.valid ? [] : r.errors.map((e) => e.rawMessage);
}

/**
 * The one module that imports `yaml` statically: src/util/yaml.ts imports this one
 * dynamically (a local ESM module, so the bundle sees yaml's named exports; a dynamic
 * import of the CommonJS package itself would put them under `default`: see
 * test/unit/architecture/bundle-imports.test.ts).
 */
export { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parse, parseDocument } from "yaml";

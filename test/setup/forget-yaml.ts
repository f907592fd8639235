/**
 * yaml is loaded on demand (src/util/yaml.ts): code that parses YAML synchronously must have
 * awaited `loadYaml()` on its path. Forgetting the module before each test makes a path that
 * does not load it throw YamlNotLoaded here, as it would in a fresh `nodeward` process, instead
 * of passing on a module an earlier test loaded. Tests that call a parser directly await
 * `loadYaml()` themselves.
 */
import { beforeEach } from "vitest";
import { forgetYamlForTests } from "../../src/util/yaml.js";

beforeEach(() => {
  forgetYamlForTests();
});

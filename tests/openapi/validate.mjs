// Validates an OpenAPI document with @seriousme/openapi-schema-validator (the OpenAPI
// Initiative's JSON Schemas for 3.0/3.1, through Ajv), then checks what this project asks of its
// document beyond the specification. Exit 0: valid; 1: invalid (every error printed).
//   node validate.mjs path/to/openapi.json
import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs OPENAPI.json");
  process.exit(2);
}
const document = JSON.parse(await readFile(file, "utf8"));
const validator = new Validator();
const result = await validator.validate(document);
const problems = [];
if (!result.valid) {
  for (const error of [].concat(result.errors ?? [])) problems.push(JSON.stringify(error));
}
if (validator.version !== "3.1") problems.push(`expected OpenAPI 3.1, found ${validator.version}`);

// The project's own rules: every operation says who may call it and has a unique id, and every
// error answer is a problem+json.
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const ids = new Set();
let operations = 0;
for (const [path, item] of Object.entries(document.paths ?? {})) {
  for (const method of methods) {
    const operation = item[method];
    if (!operation) continue;
    operations += 1;
    const where = `${method.toUpperCase()} ${path}`;
    if (!operation.operationId) problems.push(`${where}: no operationId`);
    if (ids.has(operation.operationId)) problems.push(`${where}: operationId ${operation.operationId} twice`);
    ids.add(operation.operationId);
    if (!Array.isArray(operation["x-restock-roles"])) problems.push(`${where}: no x-restock-roles`);
    const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
    if (isPublic !== (operation["x-restock-roles"]?.length === 0)) {
      problems.push(`${where}: security and x-restock-roles disagree about a public route`);
    }
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      if (Number(status) < 400 || response.$ref) continue;
      if (!response.content?.["application/problem+json"]) {
        problems.push(`${where}: ${status} is not application/problem+json`);
      }
    }
  }
}

if (problems.length > 0) {
  console.error(`${file}: INVALID (${problems.length} problem(s))`);
  for (const problem of problems) console.error("  " + problem);
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${validator.version} (${operations} operations)`);

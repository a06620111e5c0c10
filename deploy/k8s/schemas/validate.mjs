#!/usr/bin/env node
// Validates custom resources (Strimzi, CloudNativePG, KEDA, prometheus-operator) against the operators'
// real schemas, offline: the compiled validators of the pinned @kubernetes-models/* packages
// (package-lock.json beside this file; `make setup` installs them).
//
//   node deploy/k8s/schemas/validate.mjs [FILE...]    (no FILE, or "-": standard input)
//
// Input: JSON — one object, an array of objects, or a stream of objects one after another (e.g. one per
// line). YAML is not read: convert first (the tests render with kustomize and pass the documents as JSON).
// Output on stdout, one JSON object:
//   {"ok": bool, "results": [{"index", "apiVersion", "kind", "name", "ok",
//                             "errors": [{"instancePath", "keyword", "message"}]}]}
// Exit status: 0 every document is valid, 1 at least one is not (or its kind has no schema), 2 bad input.
//
// Besides the schema's types, enums, patterns and required fields, fields the schema does not declare are
// reported (keyword "unknownField"): the API server prunes them or, with kubectl's default strict field
// validation, rejects them. The compiled validators do not check that themselves, so the script watches
// which properties they look up: a field present in the document that the validator never looked up is not
// in the schema. Objects the validator does not look into at all are free-form
// (x-kubernetes-preserve-unknown-fields, e.g. Kafka's spec.kafka.config) and are not checked.
// Not checked either: CEL rules (x-kubernetes-validations) and whatever only the operators check at runtime.

import { existsSync, readFileSync } from "node:fs";

// API group -> the package that has its models.
const PACKAGES = {
  "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "core.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "postgresql.cnpg.io": "@kubernetes-models/cloudnative-pg",
  "keda.sh": "@kubernetes-models/keda",
  "eventing.keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

function parseStream(text) {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  try {
    const value = JSON.parse(trimmed);
    return Array.isArray(value) ? value : [value];
  } catch {
    // A stream of values: split at the ends of top-level objects/arrays.
  }
  const docs = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "{" || c === "[") {
      if (depth++ === 0) start = i;
    } else if (c === "}" || c === "]") {
      if (--depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
      if (depth < 0) throw new SyntaxError(`unbalanced ${c} at offset ${i}`);
    } else if (depth === 0 && !/\s/.test(c)) {
      throw new SyntaxError(`unexpected ${JSON.stringify(c)} at offset ${i} (expected a JSON object)`);
    }
  }
  if (depth !== 0 || inString) throw new SyntaxError("unexpected end of input");
  return docs.flat();
}

async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  const [group, version, ...rest] = apiVersion.split("/");
  const pkg = PACKAGES[group];
  if (!pkg || rest.length || !/^v[0-9]+[a-z0-9]*$/.test(version ?? "")) return null;
  if (!existsSync(new URL(`node_modules/${pkg}/package.json`, import.meta.url))) {
    throw new Error(`${pkg} is not installed: run \`make setup\` (npm ci --prefix deploy/k8s/schemas)`);
  }
  let mod;
  try {
    mod = await import(`${pkg}/${apiVersion}/${kind}`);
  } catch (err) {
    if (err?.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || err?.code === "ERR_MODULE_NOT_FOUND") return null;
    throw err;
  }
  const model = mod[kind];
  // Only top-level resources (with their own apiVersion and kind), not the spec types beside them.
  return model?.apiVersion === apiVersion && model?.kind === kind ? model : null;
}

const pointer = (path) => path.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");

// Wraps a document so that every property lookup is recorded per object (by JSON pointer).
function watch(doc) {
  const looked = new Map(); // pointer -> Set of keys looked up
  const proxies = new WeakMap();
  const wrap = (value, path) => {
    if (value === null || typeof value !== "object") return value;
    if (proxies.has(value)) return proxies.get(value);
    const keys = new Set();
    if (!Array.isArray(value)) looked.set(pointer(path), keys);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key !== "string") return Reflect.get(target, key, receiver);
        keys.add(key);
        const child = Reflect.get(target, key, receiver);
        return Object.hasOwn(target, key) ? wrap(child, [...path, key]) : child;
      },
      has(target, key) {
        if (typeof key === "string") keys.add(key);
        return Reflect.has(target, key);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(doc, []), looked };
}

function unknownFields(doc, looked) {
  const errors = [];
  const walk = (value, path) => {
    if (value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
      return;
    }
    const keys = looked.get(pointer(path));
    if (!keys || keys.size === 0) return; // never looked into: free-form (or the wrong type, reported anyway)
    for (const [key, child] of Object.entries(value)) {
      if (keys.has(key)) walk(child, [...path, key]);
      else {
        errors.push({ instancePath: pointer([...path, key]), keyword: "unknownField", message: "is not a field of the schema" });
      }
    }
  };
  walk(doc, []);
  return errors;
}

async function check(doc, index) {
  const meta = doc && typeof doc === "object" && !Array.isArray(doc) ? doc : {};
  const result = {
    index,
    apiVersion: meta.apiVersion ?? null,
    kind: meta.kind ?? null,
    name: meta.metadata?.name ?? null,
    ok: false,
    errors: [],
  };
  const model = meta === doc ? await modelFor(meta.apiVersion, meta.kind) : null;
  if (!model) {
    const message = `no schema for ${meta.apiVersion ?? "(no apiVersion)"}/${meta.kind ?? "(no kind)"}`;
    result.errors.push({ instancePath: "", keyword: "unknownKind", message });
    return result;
  }
  const { proxy, looked } = watch(doc);
  try {
    model.prototype.validate.call(proxy);
  } catch (err) {
    if (!Array.isArray(err?.errors)) throw err;
    for (const e of err.errors) result.errors.push({ instancePath: e.instancePath, keyword: e.keyword, message: e.message });
  }
  result.errors.push(...unknownFields(doc, looked));
  result.ok = result.errors.length === 0;
  return result;
}

async function main(args) {
  const results = [];
  try {
    const sources = args.length ? args : ["-"];
    const docs = sources.flatMap((f) => parseStream(readFileSync(f === "-" ? 0 : f, "utf8")));
    for (const [i, doc] of docs.entries()) results.push(await check(doc, i));
  } catch (err) {
    process.stderr.write(`validate.mjs: ${err.message}\n`);
    return 2;
  }
  const ok = results.every((r) => r.ok);
  process.stdout.write(JSON.stringify({ ok, results }, null, 1) + "\n");
  return ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));

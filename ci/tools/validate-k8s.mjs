// Validates Kubernetes manifests against the Kubernetes API schemas
// (kubernetes-models: the OpenAPI schemas of each apiVersion/kind, compiled
// to validators). Every document of every file given must be a known kind
// and valid; prints one line per document and exits 1 on the first file
// with an invalid or unknown document.
//
// Usage: node ci/tools/validate-k8s.mjs FILE.yaml...
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

let failed = false;
for (const file of process.argv.slice(2)) {
  const docs = yaml.loadAll(readFileSync(file, "utf8")).filter((d) => d != null);
  if (docs.length === 0) {
    console.error(`${file}: no Kubernetes documents`);
    failed = true;
  }
  for (const [i, doc] of docs.entries()) {
    const where = `${file} document ${i + 1} (${doc.kind ?? "?"} ${doc.metadata?.name ?? "?"})`;
    if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
      console.error(`${where}: no apiVersion or kind`);
      failed = true;
      continue;
    }
    let model;
    try {
      // Core kinds live in "kubernetes-models/v1", the others under their group.
      model = (await import(`kubernetes-models/${doc.apiVersion}`))[doc.kind];
    } catch {
      model = undefined;
    }
    if (typeof model !== "function") {
      console.error(`${where}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`);
      failed = true;
      continue;
    }
    try {
      new model(doc).validate();
      console.log(`${where}: valid ${doc.apiVersion} ${doc.kind}`);
    } catch (e) {
      console.error(`${where}: invalid: ${e.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);

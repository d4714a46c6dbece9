// Builds the dashboard into OUT_DIR (default ./dist): assets/app.<hash>.js and
// assets/app.<hash>.css (esbuild, minified, content-hashed names), assets/icon.<hash>.svg,
// index.html naming them (no inline script or style: the page runs under a strict CSP), and a
// gzip twin (NAME.gz) of each text file. The output depends only on the sources and the locked
// packages: gzip with a fixed level and no file name or time in its header, so two builds of
// the same tree give the same bytes (and the binary the same ETags).
//   node build.mjs [OUT_DIR]        (RESTOCK_WEB_NODE_MODULES: where the packages are)
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, constants } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, "dist"));
// The packages: web/node_modules after `npm ci` here, or where the CMake build installed them.
const modules = resolve(process.env.RESTOCK_WEB_NODE_MODULES ?? join(here, "node_modules"));
const { build } = createRequire(join(modules, "restock-web.js"))("esbuild");

const result = await build({
  entryPoints: { app: join(here, "src/main.js") },
  bundle: true,
  nodePaths: [modules],
  minify: true,
  format: "esm",
  target: ["es2020"],
  outdir: join(out, "assets"),
  entryNames: "[name]",
  write: false,
  legalComments: "none",
  logLevel: "warning",
});

rmSync(out, { recursive: true, force: true });
// Named by a hash of their bytes (esbuild's [hash] also covers where the packages were).
const hashed = (name, bytes) => {
  const dot = name.lastIndexOf(".");
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  return `/assets/${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
};
const files = new Map(); // path under out -> bytes
for (const file of result.outputFiles) {
  const bytes = Buffer.from(file.contents);
  files.set(hashed(basename(file.path), bytes), bytes);
}
const named = (ext) => {
  const found = [...files.keys()].filter((p) => p.startsWith("/assets/app.") && p.endsWith(ext));
  if (found.length !== 1) throw new Error(`expected one app${ext}, got ${found}`);
  return found[0];
};

const icon = readFileSync(join(here, "src/icon.svg"));
const iconPath = hashed("icon.svg", icon);
files.set(iconPath, icon);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Restock</title>
<link rel="icon" href="${iconPath}" type="image/svg+xml">
<link rel="stylesheet" href="${named(".css")}">
<script type="module" src="${named(".js")}"></script>
</head>
<body>
<noscript>The Restock dashboard needs JavaScript; the API is under /v1.</noscript>
<div id="app"></div>
</body>
</html>
`;
files.set("/index.html", Buffer.from(html));

for (const [path, bytes] of [...files]) {
  const gz = gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });
  gz[9] = 3; // the header's OS byte: the same whatever machine builds it (3 = Unix)
  files.set(path + ".gz", gz);
}
for (const [path, bytes] of files) {
  const target = join(out, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
}
let plain = 0;
let gzipped = 0;
for (const [path, bytes] of files) (path.endsWith(".gz") ? (gzipped += bytes.length) : (plain += bytes.length));
console.log(`web: ${files.size / 2} files into ${out}: ${plain} bytes, ${gzipped} gzipped`);

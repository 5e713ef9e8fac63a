// Bundles the console with esbuild into the gateway's console folder (served under /console/):
// one minified ES module, its stylesheet and index.html; the live player is not bundled (it is
// imported at run time from /live-player/, the gateway's own copy). `node build.mjs --out DIR`.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const flag = process.argv.indexOf("--out");
const out = resolve(
  flag > 0 ? process.argv[flag + 1] : join(here, "../gateway/src/tncam_gateway/console_dist"),
);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, "src/main.tsx")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: false,
  legalComments: "none",
  jsx: "automatic",
  jsxImportSource: "preact",
  external: ["/live-player/*"],
  outfile: join(out, "app.js"),
  logLevel: "warning",
});
for (const name of ["index.html", "console.css"]) {
  copyFileSync(join(here, "static", name), join(out, name));
}
console.log(`console built into ${out}`);

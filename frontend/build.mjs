// Build the web map app into dist/: our code bundled by esbuild (with Terra Draw), MapLibre GL
// copied as it ships (an ES module that loads its worker next to itself), the page and its
// stylesheet. Everything the page loads comes from our own server: no CDN.
import { build } from "esbuild";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const maplibre = "node_modules/maplibre-gl/dist";
// dist/fonts (the map labels' glyphs, `geocrm fonts build`) is kept: it is no build of ours
for (const entry of existsSync("dist") ? readdirSync("dist") : []) {
  if (entry !== "fonts") rmSync(`dist/${entry}`, { recursive: true, force: true });
}
mkdirSync("dist/vendor", { recursive: true });
for (const file of ["maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css"]) {
  copyFileSync(`${maplibre}/${file}`, `dist/vendor/${file}`);
}
copyFileSync("src/index.html", "dist/index.html");
copyFileSync("src/app.css", "dist/app.css");

// `import * as maplibregl from "maplibre-gl"` stays an import of the copied module
const maplibreExternal = {
  name: "maplibre-external",
  setup(b) {
    b.onResolve({ filter: /^maplibre-gl$/ }, () => ({
      path: "./vendor/maplibre-gl.mjs",
      external: true,
    }));
  },
};

await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: true,
  outfile: "dist/app.js",
  plugins: [maplibreExternal],
  logLevel: "warning",
});
// The Leaflet files that `geocrm report --offline` inlines (report-assets.json), with what
// their stylesheets refer to, so that an installed GeoCRM carries them with the web app.
const reportAssets = JSON.parse(readFileSync("report-assets.json", "utf8"));
const copied = new Set();
function copyReportAsset(relative) {
  if (copied.has(relative)) return;
  copied.add(relative);
  const target = join("dist/report-assets", relative);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join("node_modules", relative), target);
  if (!relative.endsWith(".css")) return;
  const css = readFileSync(join("node_modules", relative), "utf8");
  for (const [, , url] of css.matchAll(/url\(\s*(["']?)([^"')]+)\1\s*\)/g)) {
    if (/^(data:|#|[a-z]+:)/.test(url.trim())) continue;
    copyReportAsset(normalize(join(dirname(relative), url.trim().split(/[?#]/)[0])));
  }
}
for (const relative of Object.values(reportAssets.assets)) {
  if (relative !== null) copyReportAsset(relative);
}
copyFileSync("report-assets.json", "dist/report-assets/report-assets.json");

// Swagger UI for the API docs at /docs, served from here (never from a CDN)
mkdirSync("dist/docs-assets", { recursive: true });
for (const file of ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"]) {
  copyFileSync(join("node_modules/swagger-ui-dist", file), join("dist/docs-assets", file));
}

console.log("frontend built into frontend/dist");

// Build the web map app into dist/: our code bundled by esbuild (with Terra Draw), MapLibre GL
// copied as it ships (an ES module that loads its worker next to itself), the page and its
// stylesheet. Everything the page loads comes from our own server: no CDN.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

const maplibre = "node_modules/maplibre-gl/dist";
rmSync("dist", { recursive: true, force: true });
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
console.log("frontend built into frontend/dist");

// The map's one Terra Draw instance (one MapLibre adapter), shared by the views that draw:
// target zones (polygon, rectangle, circle, and select to edit them) and the territory
// lasso (freehand). One view is open at a time and each leaves the drawing static when hidden.

import {
  TerraDraw,
  TerraDrawCircleMode,
  TerraDrawFreehandMode,
  TerraDrawPolygonMode,
  TerraDrawRectangleMode,
  TerraDrawSelectMode,
} from "terra-draw";
import { TerraDrawMapLibreGLAdapter } from "terra-draw-maplibre-gl-adapter";

/** The modes a target zone is drawn with. */
export const ZONE_MODES = ["polygon", "rectangle", "circle"];

const EDITABLE = {
  feature: {
    draggable: true,
    coordinates: { midpoints: true, draggable: true, deletable: true },
  },
};

export function createDrawing(map) {
  return new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TerraDrawPolygonMode(),
      new TerraDrawRectangleMode(),
      new TerraDrawCircleMode(),
      new TerraDrawSelectMode({
        flags: { polygon: EDITABLE, rectangle: EDITABLE, circle: EDITABLE },
      }),
      // the lasso: click, move around the cells, click again (or press, drag, release)
      new TerraDrawFreehandMode({
        drawInteraction: "click-move-or-drag",
        styles: { fillColor: "#253494", fillOpacity: 0.1, outlineColor: "#253494", outlineWidth: 2 },
      }),
    ],
  });
}

/** Make sure the drawing listens to the map, then switch it to a mode. */
export function setDrawMode(draw, mode) {
  if (!draw.enabled) draw.start();
  draw.setMode(mode);
}

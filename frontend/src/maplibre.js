// MapLibre GL JS as one object (the package ships named ES exports only).
import * as maplibregl from "maplibre-gl";

export default maplibregl;

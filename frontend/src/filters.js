// The filter controls: one per filter the API names (GET /api/cube/dimensions), with the
// values it offers. They write the one filter state (state.filters) that the map, the
// hexagon panel, zones, reports and exports read.

import { el } from "./api.js";
import { state } from "./state.js";

/** Build the filter controls into `box`; `changed()` is called after each change. */
export function initFilters(box, dims, changed) {
  for (const filter of dims.filters) {
    const name = filter.name;
    const select = el(
      "select",
      { name, "aria-label": filter.label, title: filter.description },
      el("option", { value: "" }, "all"),
      filter.values.map((v) => el("option", { value: String(v.value) }, v.label)),
    );
    select.value = state.filters[name] || "";
    select.addEventListener("change", () => {
      state.filters[name] = select.value;
      changed();
    });
    box.append(el("label", {}, filter.label, select));
  }
}

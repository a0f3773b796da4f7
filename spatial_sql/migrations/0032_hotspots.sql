-- Hotspots (issue 16): Getis-Ord Gi* per H3 cell of a measure of the cube, computed in
-- Python (geocrm.prospecting.hotspots, PySAL esda) over the cube as one user sees it, and
-- kept here so that the `hotspots` tile layer and later requests read them instead of
-- running the permutations again. A result is keyed by whose view of the cube it is (the
-- scope key: every figure, or the reps whose rows one sees and the k of the k-rule), the
-- measure, the resolution, the filters, the permutations and seed, and the data versions
-- of the cube it was computed from (so a cube refresh makes it stale, never wrong).

-- cube.hotspot_scope_key() and cube.hotspot_filter_key(): spatial_sql/functions/
-- vocabulary_hotspots.sql (re-applied by every migrate, after the migrations).

CREATE TABLE cube.hotspot_runs (
    run_id       bigserial PRIMARY KEY,
    scope_key    text NOT NULL,
    measure      text NOT NULL,
    res          smallint NOT NULL CHECK (res BETWEEN 5 AND 11),
    filters      jsonb NOT NULL DEFAULT '{}',
    permutations integer NOT NULL CHECK (permutations > 0),
    seed         integer NOT NULL,
    versions     text NOT NULL,
    cells        integer NOT NULL,
    seconds      real NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (scope_key, measure, res, filters, permutations, seed, versions)
);
COMMENT ON TABLE cube.hotspot_runs IS 'Cached Getis-Ord Gi* results (geocrm hotspots): one row per view of the cube, measure, resolution, filters, permutations, seed and cube data versions.';
COMMENT ON COLUMN cube.hotspot_runs.scope_key IS 'cube.hotspot_scope_key() of the user it was computed for: only users with the same view read it.';
COMMENT ON COLUMN cube.hotspot_runs.versions IS 'The tile data versions of the cube, cells, city and customers it was computed from.';

CREATE TABLE cube.hotspot_cells (
    run_id   bigint NOT NULL REFERENCES cube.hotspot_runs ON DELETE CASCADE,
    h3       bigint NOT NULL,
    value    double precision NOT NULL,
    z        double precision NOT NULL,
    p        double precision NOT NULL CHECK (p > 0 AND p <= 1),
    p_fdr    double precision NOT NULL CHECK (p_fdr > 0 AND p_fdr <= 1),
    class    text NOT NULL CHECK (class IN ('hot_99', 'hot_95', 'hot_90', 'cold_99', 'cold_95',
                                            'cold_90', 'not_significant')),
    geom     geometry(Polygon, 4326) NOT NULL,
    PRIMARY KEY (run_id, h3)
);
CREATE INDEX hotspot_cells_geom_gist ON cube.hotspot_cells USING gist (geom);
COMMENT ON TABLE cube.hotspot_cells IS 'Per H3 cell of a cached hotspot result: the value tested, Gi* z-score, permutation p, Benjamini-Hochberg p_fdr and the class.';
COMMENT ON COLUMN cube.hotspot_cells.p IS 'Two-sided pseudo p-value of the conditional permutation test (2 x PySAL''s folded p_sim, at most 1).';
COMMENT ON COLUMN cube.hotspot_cells.p_fdr IS 'p adjusted for the false discovery rate over all cells of the result (Benjamini-Hochberg).';

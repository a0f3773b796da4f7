-- Whitespace per hexagon (issue 16): how many customers and how much revenue a cell's
-- context (households, workplaces, foot traffic, POIs by category, building classes) would
-- predict, from a model fitted across the city's cells with cross-fitting (a cell's own
-- customers never predict it: geocrm/prospecting/whitespace.py). The actual customers and
-- revenue are not stored: they are read from the cube at query time, under the k-rule of
-- the user who asks (cube.cells), so the gap (expected - actual) is always that of the
-- cube as it is now, and never reveals what the user may not see.

CREATE TABLE cube.whitespace (
    res                smallint NOT NULL CHECK (res BETWEEN 5 AND 11),
    h3                 bigint NOT NULL,
    households         numeric NOT NULL,
    workplaces         numeric NOT NULL,
    expected_customers double precision NOT NULL CHECK (expected_customers >= 0),
    expected_revenue   double precision NOT NULL CHECK (expected_revenue >= 0),
    PRIMARY KEY (res, h3)
);
COMMENT ON TABLE cube.whitespace IS 'Expected customers and revenue per H3 cell (res 5..11) from the cell''s context, fitted across the city with cross-fitting (geocrm.prospecting.whitespace.build_whitespace); res 11 as predicted, coarser cells the sums of their res-11 cells.';
COMMENT ON COLUMN cube.whitespace.households IS 'Estimated households of the cell (ref.buildings.households_est: residential floor area / 70 m²).';
COMMENT ON COLUMN cube.whitespace.workplaces IS 'Estimated workplaces of the cell (ref.buildings.workplaces_est: office, commercial, retail and public floor area / 25 m²).';
COMMENT ON COLUMN cube.whitespace.expected_customers IS 'Customers (past the prospect stage) the cell''s context predicts, from a model that did not see the cell''s own customers.';
COMMENT ON COLUMN cube.whitespace.expected_revenue IS 'Annual revenue (EUR) the cell''s context predicts, likewise.';

CREATE TABLE cube.whitespace_builds (
    built_at  timestamptz NOT NULL DEFAULT now(),
    seconds   double precision NOT NULL,
    summary   jsonb NOT NULL
);
COMMENT ON TABLE cube.whitespace_builds IS 'The last whitespace build (one row): when, how long, and the model''s card (cells, folds, features, calibration, cross-fitted deviance explained).';

-- the whitespace layer's tiles change with a whitespace build (data versions of 0010/0014)
INSERT INTO tiles.data_versions (source) VALUES ('whitespace');
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON cube.whitespace FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('whitespace');

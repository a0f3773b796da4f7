-- Staging for one import: every field as text, exactly as read, with its source line.
-- parse_problem holds what the reader already knows is wrong (ragged row, bad geometry);
-- nearest_address is the display address the reader found for given coordinates.
CREATE TEMP TABLE stage_import (
    line bigint NOT NULL,
    parse_problem text,
    external_id text, name text, kind text, address text, postcode text, city text,
    segment text, stage text, annual_revenue text, lifetime_value text, satisfaction text,
    churn_risk text, rep text, relationship_start text, lat text, lon text,
    phone text, email text, website text,
    nearest_address text
) ON COMMIT DROP;

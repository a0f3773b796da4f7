-- Validate every staged row in one pass: typed values plus the list of problems a person
-- can act on. A row with no problem is merged; the others go to the quarantine. Valid
-- coordinates outside the loaded cities (at 0,0, swapped, another country) are not a
-- problem here: the row is kept and flagged outside_city (resolve.sql), so that a
-- country-wide file loses no row; `geocoding-issues` lists them.
CREATE TEMP TABLE stage_checked ON COMMIT DROP AS
WITH
-- ids that occur more than once (few), and the line where each first appears
duplicated AS MATERIALIZED (
    SELECT btrim(external_id) AS external_id, min(line) AS first_line
    FROM stage_import
    WHERE nullif(btrim(external_id), '') IS NOT NULL
    GROUP BY 1
    HAVING count(*) > 1
),
cleaned AS MATERIALIZED (
    SELECT s.line, s.parse_problem,
           nullif(btrim(s.external_id), '') AS external_id,
           nullif(btrim(s.name), '') AS name,
           lower(nullif(btrim(s.kind), '')) AS kind_text,
           nullif(regexp_replace(btrim(s.address), '\s+', ' ', 'g'), '') AS address,
           nullif(btrim(s.postcode), '') AS postcode,
           nullif(btrim(s.city), '') AS city,
           nullif(btrim(s.segment), '') AS segment,
           lower(nullif(btrim(s.stage), '')) AS stage_text,
           nullif(regexp_replace(s.annual_revenue, '\s', '', 'g'), '') AS revenue_text,
           nullif(regexp_replace(s.lifetime_value, '\s', '', 'g'), '') AS ltv_text,
           nullif(btrim(s.satisfaction), '') AS satisfaction_text,
           nullif(btrim(s.churn_risk), '') AS churn_text,
           nullif(btrim(s.rep), '') AS rep_text,
           nullif(btrim(s.relationship_start), '') AS start_text,
           nullif(btrim(s.lat), '') AS lat_text,
           nullif(btrim(s.lon), '') AS lon_text,
           nullif(btrim(s.phone), '') AS phone,
           lower(nullif(btrim(s.email), '')) AS email,
           nullif(btrim(s.website), '') AS website,
           s.nearest_address,
           regexp_match(btrim(s.relationship_start),
                        '^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})\.(\d{1,2})\.(\d{4})$') AS date_parts
    FROM stage_import s
),
typed AS MATERIALIZED (
    SELECT c.*,
           CASE WHEN c.kind_text IS NULL THEN 'person'
                WHEN c.kind_text IN ('person', 'business') THEN c.kind_text END AS kind,
           CASE WHEN c.stage_text IS NULL THEN 'prospect'
                WHEN c.stage_text IN ('prospect', 'customer', 'client', 'supporter', 'advocate',
                                      'partner') THEN c.stage_text END AS stage,
           crm.parse_number(c.revenue_text) AS annual_revenue,
           crm.parse_number(c.ltv_text) AS lifetime_value,
           crm.parse_number(c.satisfaction_text)::float8 AS satisfaction,
           crm.parse_number(c.churn_text)::float8 AS churn_risk,
           crm.parse_number(c.lat_text)::float8 AS lat,
           crm.parse_number(c.lon_text)::float8 AS lon,
           d.y, d.m, d.d,
           r.rep_id,
           dup.first_line AS id_first_line
    FROM cleaned c
    LEFT JOIN LATERAL (
        SELECT coalesce(c.date_parts[1], c.date_parts[6])::int AS y,
               coalesce(c.date_parts[2], c.date_parts[5])::int AS m,
               coalesce(c.date_parts[3], c.date_parts[4])::int AS d
    ) d ON c.date_parts IS NOT NULL
    LEFT JOIN crm.reps r ON r.external_id = c.rep_text
    LEFT JOIN duplicated dup ON dup.external_id = c.external_id
),
checked AS (
    SELECT t.*,
           CASE WHEN t.m BETWEEN 1 AND 12 AND t.d >= 1 AND t.y BETWEEN 1800 AND 2200
                 AND t.d <= extract(day from make_date(t.y, t.m, 1) + interval '1 month - 1 day')
                THEN make_date(t.y, t.m, t.d) END AS relationship_start
    FROM typed t
)
SELECT k.line, k.external_id, k.name, k.kind, k.address, k.postcode, k.city, k.segment,
       k.stage, k.annual_revenue, k.lifetime_value, k.satisfaction, k.churn_risk, k.rep_id,
       k.relationship_start, k.lat, k.lon, k.phone, k.email, k.website, k.nearest_address,
       array_remove(ARRAY[
           k.parse_problem,
           CASE WHEN k.external_id IS NULL THEN 'external_id is empty' END,
           CASE WHEN k.line > k.id_first_line
                THEN format('external_id %s already appears on line %s', k.external_id,
                            k.id_first_line) END,
           CASE WHEN k.name IS NULL THEN 'name is empty' END,
           CASE WHEN k.kind IS NULL THEN format('kind %L is not one of: person, business',
                                                k.kind_text) END,
           CASE WHEN k.stage IS NULL THEN format(
                'stage %L is not a ladder stage (prospect, customer, client, supporter, advocate, partner)',
                k.stage_text) END,
           CASE WHEN k.revenue_text IS NOT NULL AND k.annual_revenue IS NULL
                THEN format('annual_revenue %L is not a number', k.revenue_text)
                WHEN k.annual_revenue < 0 THEN 'annual_revenue is negative'
                WHEN k.annual_revenue >= 1e12 THEN 'annual_revenue is too large' END,
           CASE WHEN k.ltv_text IS NOT NULL AND k.lifetime_value IS NULL
                THEN format('lifetime_value %L is not a number', k.ltv_text)
                WHEN abs(k.lifetime_value) >= 1e12 THEN 'lifetime_value is too large' END,
           CASE WHEN k.satisfaction_text IS NOT NULL AND k.satisfaction IS NULL
                THEN format('satisfaction %L is not a number', k.satisfaction_text)
                WHEN k.satisfaction NOT BETWEEN 0 AND 10 THEN
                     format('satisfaction %s is outside 0..10', k.satisfaction) END,
           CASE WHEN k.churn_text IS NOT NULL AND k.churn_risk IS NULL
                THEN format('churn_risk %L is not a number', k.churn_text)
                WHEN k.churn_risk NOT BETWEEN 0 AND 1 THEN
                     format('churn_risk %s is outside 0..1 (a probability)', k.churn_risk) END,
           CASE WHEN k.rep_text IS NOT NULL AND k.rep_id IS NULL
                THEN format('rep %L is not a known rep (crm.reps.external_id)', k.rep_text) END,
           CASE WHEN k.start_text IS NOT NULL AND k.relationship_start IS NULL
                THEN format('relationship_start %L is not a date (YYYY-MM-DD or D.M.YYYY)',
                            k.start_text) END,
           CASE WHEN k.lat_text IS NOT NULL AND k.lat IS NULL
                THEN format('lat %L is not a number', k.lat_text) END,
           CASE WHEN k.lon_text IS NOT NULL AND k.lon IS NULL
                THEN format('lon %L is not a number', k.lon_text) END,
           CASE WHEN (k.lat_text IS NULL) <> (k.lon_text IS NULL)
                THEN 'give both lat and lon, or neither' END,
           CASE WHEN k.lat NOT BETWEEN -90 AND 90 AND k.lon BETWEEN -90 AND 90
                THEN format('lat %s is outside -90..90 (lat and lon may be swapped)', k.lat)
                WHEN k.lat NOT BETWEEN -90 AND 90 THEN format('lat %s is outside -90..90', k.lat)
                WHEN k.lon NOT BETWEEN -180 AND 180 THEN format('lon %s is outside -180..180', k.lon) END,
           CASE WHEN k.phone IS NOT NULL AND k.phone !~ '^[+(]?[0-9][0-9 ()./-]*$'
                THEN format('phone %L is not a phone number (digits, spaces, + ( ) - . /)',
                            k.phone) END,
           CASE WHEN k.email IS NOT NULL AND k.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
                THEN format('email %L is not an e-mail address', k.email) END,
           CASE WHEN k.website IS NOT NULL AND k.website ~ '\s'
                THEN format('website %L is not a web address (it holds spaces)', k.website) END,
           CASE WHEN k.address IS NULL AND k.lat IS NULL AND k.lat_text IS NULL
                 AND k.parse_problem IS NULL
                THEN 'no address and no coordinates: the customer cannot be placed' END
       ], NULL) AS problems
FROM checked k;

-- The month-of-activity facts (0009) are drawn by the hex and customer tiles too: their
-- changes bump the cube's data version like the other cube tables (0010).
CREATE TRIGGER tiles_data_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON cube.activity_facts FOR EACH STATEMENT EXECUTE FUNCTION tiles.data_changed('cube');

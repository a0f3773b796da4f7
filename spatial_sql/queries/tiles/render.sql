-- One tile of a layer of tiles/catalog.toml (run after tiles/statement_timeout).
SELECT tiles.render(:layer, :z, :x, :y, CAST(:query AS json))

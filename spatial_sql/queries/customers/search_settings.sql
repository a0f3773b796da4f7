-- Settings of a search, for this transaction only: the word-similarity threshold of
-- typo-tolerant matches, and no JIT compilation (the normalisation function is costed high,
-- so that the planner prefers the index, which would also make it compile a search that
-- runs in milliseconds).
SELECT set_config('pg_trgm.word_similarity_threshold', :threshold, true),
       set_config('jit', 'off', true)

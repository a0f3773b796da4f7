-- The word-similarity threshold of typo-tolerant search, for this transaction only.
SELECT set_config('pg_trgm.word_similarity_threshold', :threshold, true)

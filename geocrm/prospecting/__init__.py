"""Prospecting (issue 16): leads from the loaded city that are not yet customers, their
lookalike scores with reasons, whitespace per hexagon and hotspots on the H3 grid.

One module per job: ``leads`` (build, list, status), ``lookalike`` (the model trained on
the company's own customers), ``whitespace`` (expected against actual per cell),
``hotspots`` (Getis-Ord Gi*). Their SQL is in ``spatial_sql/prospecting/``.
"""

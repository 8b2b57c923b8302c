"""Benchmarks of exportgate (``python -m bench`` runs them all; ``make bench``).

Every module ``bench/<name>.py`` with a ``main(quick: bool) -> int`` function is a benchmark; each
writes its results to ``bench/results/<name>.md``. Benchmarks may read the project's reference data in
``../shared`` and skip the parts that need it when it is absent.
"""

"""flexbank's benchmarks: scale tiers against the phone-round baseline, and a peer
comparison on Timefold's employee-scheduling demo data. Run ``python -m benchmarks.run``
(``make bench``); results go to ``benchmarks/results.md`` and ``benchmarks/results.json``.
"""

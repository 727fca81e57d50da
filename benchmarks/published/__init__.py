"""Published home-care routing benchmarks (HHCRSP): readers, evaluator, baseline, table.

See README.md in this folder.
"""

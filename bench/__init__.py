"""`make bench`: how fast the pipeline is, node by node, from 150 rows to a million."""

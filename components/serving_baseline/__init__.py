"""ServingBaseline: what a run is compared with, found in the serving directory."""

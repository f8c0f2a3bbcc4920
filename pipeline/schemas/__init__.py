"""The schema a run validates against: read, inferred, kept by its pipeline, proposed anew."""

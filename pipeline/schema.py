"""Infer a schema from CSV data the way SchemaGen does, as the starting point of a curated one."""

import glob
import os


def infer_schema_file(data_root: str, output_path: str) -> str:
    """Write the schema TFDV infers from `data_root`/*.csv to `output_path` (text proto)."""
    import tensorflow_data_validation as tfdv

    csv_files = sorted(glob.glob(os.path.join(data_root, "*.csv")))
    if not csv_files:
        raise FileNotFoundError(f"no *.csv file in {data_root}: nothing to infer a schema from")
    statistics = tfdv.generate_statistics_from_csv(data_location=os.path.join(data_root, "*.csv"))
    schema = tfdv.infer_schema(statistics, infer_feature_shape=True)
    tfdv.write_schema_text(schema, output_path)
    return output_path

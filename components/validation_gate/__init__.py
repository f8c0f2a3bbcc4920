"""A custom component that stops the pipeline before Transform when the data has anomalies."""

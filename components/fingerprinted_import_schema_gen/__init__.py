"""FingerprintedImportSchemaGen: TFX's ImportSchemaGen, re-run when the schema file's content
changes, not only when its path does."""

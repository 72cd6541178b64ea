"""The nightly job: its plain steps, the workers' batches, the one writer, and the Prefect flow."""

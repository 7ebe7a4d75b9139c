"""Known-value tests at the boundaries of the Excel layer (each one kills a mutant the suite let live)."""

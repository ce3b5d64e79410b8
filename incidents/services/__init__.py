"""Every write to cases. Split by concern; import from the submodules."""

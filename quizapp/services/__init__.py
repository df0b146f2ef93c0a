"""The service layer: the only place that opens transactions."""

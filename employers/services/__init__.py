"""employers: services, one module per topic."""

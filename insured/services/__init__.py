"""insured: services, one module per topic."""

"""insured: apis, one module per topic."""

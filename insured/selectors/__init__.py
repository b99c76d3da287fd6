"""insured: selectors, one module per topic."""

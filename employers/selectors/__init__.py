"""employers: selectors, one module per topic."""

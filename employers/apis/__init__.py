"""employers: apis, one module per topic."""

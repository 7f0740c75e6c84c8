"""Model outputs -> spans and labels: token-head spans, parent-consistent sequence labels, a text's labels."""

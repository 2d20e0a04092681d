"""Reports made from a plan: files people read, print and sign (imports nothing heavy)."""

"""Plans side by side: KPI tables, comparisons and scenario sweeps."""

"""What a plan folder holds and how it is written (the CSV files and ``plan.json``, the
workbook, the heatmap files, the helper process that makes them, the data set summary), and
the documents made from a plan that people print and sign (PDF builder, approval pack,
letters). Imports nothing heavy."""

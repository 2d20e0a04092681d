"""What a plan folder holds and how it is written: the CSV files and ``plan.json``, the
workbook, the heatmap files, the helper process that makes them, and the data set summary."""

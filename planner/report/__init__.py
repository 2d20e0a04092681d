"""What a plan folder holds and how it is written (the CSV files and ``plan.json``, the
workbook, the heatmap files, the helper process that makes them, the data set summary), and
the documents made from a plan that people print and sign (the PDF builder, the approval
pack; the letters to cadres are the ledger's, :mod:`planner.ledger.letters`). Imports nothing
heavy."""

"""The semester workflow: approval, carrying contacts over, pins from the command line, the
inputs of ``planner plan``, and merging the central and college plans."""

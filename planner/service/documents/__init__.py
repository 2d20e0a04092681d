"""Printed pages of a plan as downloads: the approval pack, each college's filing copy and the
letters to each cadre (:mod:`planner.report`, reached through :mod:`planner.service.engine`)."""

"""Students' problems in the service (issue 19, 四(三)(四)): a case per problem raised in a
contact, listed with its age and holder, moved along the ledger engine's life cycle."""

"""The grading service's operations on the database: assignments and key versions, users
and tokens, submissions, the grading run a worker performs, regrades, score changes by
hand, the reconciler and the gradebook. Web and tasks call these; they call the core."""

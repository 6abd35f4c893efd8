# Review cycles and status entries arrive with the yearly survey (issue 3).

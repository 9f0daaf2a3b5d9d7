"""Plans: the list, the plan page, authoring, issuing and amending."""

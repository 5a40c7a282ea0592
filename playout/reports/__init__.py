"""What the manager takes away: the airing-log export and the annual tally."""

"""The outside world (issue trackers, mail) behind small interfaces."""

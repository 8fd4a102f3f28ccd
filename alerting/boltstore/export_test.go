package boltstore

// CommitStats returns how many group commits s made and how many writes
// they held.
func CommitStats(s *Store) (commits, writes int64) { return s.commits.Load(), s.writes.Load() }

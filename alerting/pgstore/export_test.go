package pgstore

// Crash stops s as a killed process stops: the heartbeat ends, the
// session is not ended, the connections close.
func Crash(s *Store) {
	s.closeOnce.Do(func() {
		s.stopBeat()
		<-s.beatDone
		s.stopPipeline()
		if s.owned {
			s.pool.Close()
		}
	})
}

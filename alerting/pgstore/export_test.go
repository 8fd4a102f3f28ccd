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

// KillLock drops the connection holding l without a word to the server,
// as a killed process's socket closes.
func KillLock(l *Lock) { _ = l.conn.PgConn().Conn().Close() }

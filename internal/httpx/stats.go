package httpx

import "github.com/mspsync/mspsync"

type (
	// Counters is mspsync.Counters.
	Counters = mspsync.Counters
	// Stats is mspsync.Stats.
	Stats = mspsync.Stats
)

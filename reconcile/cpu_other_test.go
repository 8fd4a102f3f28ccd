//go:build !unix

package reconcile_test

import "time"

// processCPU is 0 where getrusage is missing: BenchmarkPlan then leaves
// cpu-ns/op out.
func processCPU() time.Duration { return 0 }

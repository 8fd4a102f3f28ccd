package alertingtest

import (
	"errors"
	"fmt"
	"sync"
)

// Op names a fake's method, for fault injection and call counts.
type Op string

// Operations. OpAny matches every operation in FailNext and
// LoseNextResponse.
const (
	OpAny             Op = "*"
	OpCreateTicket    Op = "CreateTicket"
	OpAddNote         Op = "AddNote"
	OpTicketState     Op = "TicketState"
	OpCloseTicket     Op = "CloseTicket"
	OpFindCustomer    Op = "FindCustomer"
	OpFindContact     Op = "FindContact"
	OpFindAsset       Op = "FindAsset"
	OpLocateAsset     Op = "LocateAsset"
	OpContact         Op = "Contact"
	OpSiteContact     Op = "SiteContact"
	OpClosedTickets   Op = "ClosedTicketsSince"
	OpFindOpenTicket  Op = "FindOpenTicket"
	OpHasNote         Op = "HasNote"
	OpTouched         Op = "Touched"
	OpReopenTicket    Op = "ReopenTicket"
	OpCheckPriorities Op = "CheckPriorities"
	OpResolveAlert    Op = "ResolveAlert"
)

// ErrInjected is what injected faults return when no error was given.
var ErrInjected = errors.New("alertingtest: injected failure")

type rule struct {
	op     Op
	left   int // < 0: until Heal
	err    error
	effect bool // the call takes effect before failing
}

// faults counts calls and hands out injected failures.
type faults struct {
	mu    sync.Mutex
	rules []*rule
	calls map[Op]int
}

func (f *faults) add(op Op, n int, err error, effect bool) {
	if err == nil {
		err = ErrInjected
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &rule{op: op, left: n, err: err, effect: effect})
}

// call counts op and returns the injected failure for it, if any, and
// whether the call should take effect first.
func (f *faults) call(op Op) (effect bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[Op]int{}
	}
	f.calls[op]++
	for i, r := range f.rules {
		if r.op != op && r.op != OpAny {
			continue
		}
		if r.left > 0 {
			r.left--
			if r.left == 0 {
				f.rules = append(f.rules[:i:i], f.rules[i+1:]...)
			}
		}
		return r.effect, fmt.Errorf("%s: %w", op, r.err)
	}
	return false, nil
}

func (f *faults) count(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op == OpAny {
		n := 0
		for _, c := range f.calls {
			n += c
		}
		return n
	}
	return f.calls[op]
}

func (f *faults) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

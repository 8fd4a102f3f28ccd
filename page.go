package mspsync

// Page is one page of a list, as every client's page call returns it;
// the client's iterator walks the pages for you.
type Page[T any] struct {
	Items []T
	// Total is the vendor's count of all matching items, when it reports
	// one (Halo record_count); -1 or 0 when unknown.
	Total int
	// Next is the cursor of the next page: a page number, a cursor ID or an
	// absolute next link. "" means this was the last page.
	Next string
}

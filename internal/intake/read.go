package intake

import (
	"fmt"
	"io"
	"net/http"
)

// ReadPost reads the body of one intake delivery: a POST of at most max
// bytes. A request with another method is answered here (405, with Allow:
// POST) and not recorded: a probe is not a payload. Otherwise a failure is
// handed to refuse with the status to answer and the error to record: 413
// for a body over max bytes (refused on its Content-Length before reading
// when it announces one; the connection is then closed), 400 for a body
// that could not be read. ok is false when the request has been dealt with.
func ReadPost(w http.ResponseWriter, r *http.Request, max int64, refuse func(status int, err error)) (body []byte, ok bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		Reply(w, http.StatusMethodNotAllowed, "POST only")
		return nil, false
	}
	tooLarge := func() {
		w.Header().Set("Connection", "close")
		refuse(http.StatusRequestEntityTooLarge, fmt.Errorf("body larger than %d bytes", max))
	}
	if r.ContentLength > max {
		tooLarge()
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		refuse(http.StatusBadRequest, fmt.Errorf("reading the body: %w", err))
		return nil, false
	}
	if int64(len(body)) > max {
		tooLarge()
		return nil, false
	}
	return body, true
}

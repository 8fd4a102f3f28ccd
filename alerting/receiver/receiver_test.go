package receiver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mspsync/mspsync/alerting/receiver"
)

// echo answers with the body it read.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	fmt.Fprintf(w, "got %d bytes", len(b))
})

// start serves h with l on a loopback port until the test ends.
func start(t *testing.T, h http.Handler, l receiver.Limits, connState func(net.Conn, http.ConnState)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := receiver.NewServer(h, l)
	srv.ConnState = connState
	go srv.Serve(receiver.LimitListener(ln, l.MaxConns))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// dribble opens a connection, sends head, then one byte of the body every
// gap until stop is closed or the write fails. It returns the connection.
func dribble(t *testing.T, addr, head string, gap time.Duration, stop <-chan struct{}) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	go func() {
		tk := time.NewTicker(gap)
		defer tk.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tk.C:
				c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	return c
}

func TestDribbledBodyIsCutOff(t *testing.T) {
	t.Parallel()
	l := receiver.Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond}
	addr := start(t, echo, l, nil)
	stop := make(chan struct{})
	defer close(stop)
	// 1,000 bytes at one per 20ms would take 20s.
	c := dribble(t, addr, "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n", 20*time.Millisecond, stop)
	defer c.Close()
	began := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("status %d; want 408", resp.StatusCode)
		}
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server still held the dribbling client after %s", time.Since(began))
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("cut off after %s; the read timeout is 300ms", d)
	}
}

func TestDribbledHeadersAreCutOff(t *testing.T) {
	t.Parallel()
	addr := start(t, echo, receiver.Limits{ReadHeaderTimeout: 200 * time.Millisecond}, nil)
	stop := make(chan struct{})
	defer close(stop)
	c := dribble(t, addr, "POST /hook HTTP/1.1\r\nX-Slow: ", 20*time.Millisecond, stop)
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.ReadAll(c) // the server closes the connection
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server still held a client dribbling its headers after 10s")
	}
}

// TestDeliveryWhileSlowConnectionsOpen opens 300 slow connections (half
// stuck in their headers, half in their bodies) and checks that a normal
// delivery is still answered, with few in-flight places.
func TestDeliveryWhileSlowConnectionsOpen(t *testing.T) {
	t.Parallel()
	var accepted atomic.Int64
	l := receiver.Limits{ReadHeaderTimeout: 20 * time.Second, ReadTimeout: 20 * time.Second, MaxInFlight: 4, MaxConns: 400}
	addr := start(t, echo, l, func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			accepted.Add(1)
		}
	})
	stop := make(chan struct{})
	var conns []net.Conn
	defer func() {
		close(stop)
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 300 {
		head := "POST /hook HTTP/1.1\r\nHost: x\r\nX-Slow: "
		if i%2 == 1 {
			head = "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
		}
		conns = append(conns, dribble(t, addr, head, 500*time.Millisecond, stop))
	}
	deadline := time.Now().Add(10 * time.Second)
	for accepted.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := accepted.Load(); n < 300 {
		t.Fatalf("only %d slow connections open", n)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Post("http://"+addr+"/hook", "application/json", strings.NewReader(`{"alert_uid":"x"}`))
	if err != nil {
		t.Fatalf("a normal delivery failed while 300 slow connections were open: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "got 17 bytes" {
		t.Errorf("delivery answered %d %q", resp.StatusCode, b)
	}
}

func TestInFlightCap(t *testing.T) {
	t.Parallel()
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered); <-release })
	})
	addr := start(t, h, receiver.Limits{MaxInFlight: 1}, nil)
	done := make(chan int)
	go func() {
		resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("a"))
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	<-entered
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("b"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second request: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(release)
	if code := <-done; code != 200 {
		t.Errorf("first request: %d", code)
	}
	resp, err = http.Post("http://"+addr+"/", "text/plain", strings.NewReader("c"))
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("after the first finished: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestBodyAndHeaderCaps(t *testing.T) {
	t.Parallel()
	var called atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called.Add(1); echo(w, r) })
	addr := start(t, h, receiver.Limits{MaxBodyBytes: 10, MaxHeaderBytes: 1 << 10}, nil)
	post := func(body io.Reader, header string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", body)
		if header != "" {
			req.Header.Set("X-Big", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post(strings.NewReader("0123456789"), ""); c != 200 {
		t.Errorf("10 bytes: %d", c)
	}
	if c := post(strings.NewReader("0123456789a"), ""); c != http.StatusRequestEntityTooLarge {
		t.Errorf("11 bytes: %d", c)
	}
	if c := post(io.MultiReader(strings.NewReader("0123456789a")), ""); c != http.StatusRequestEntityTooLarge { // chunked
		t.Errorf("11 bytes chunked: %d", c)
	}
	if c := post(strings.NewReader("x"), strings.Repeat("h", 8<<10)); c != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("8 KiB header: %d", c)
	}
	if n := called.Load(); n != 1 {
		t.Errorf("handler called %d times; want 1", n)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { errc <- receiver.Serve(ctx, ln, echo, receiver.Limits{}) }()
	resp, err := http.Post("http://"+ln.Addr().String()+"/", "text/plain", strings.NewReader("hi"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

func TestLimitListenerCapsConnections(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ll := receiver.LimitListener(ln, 1)
	defer ll.Close()
	got := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := ll.Accept()
			if err != nil {
				return
			}
			got <- c
		}
	}()
	c1, _ := net.Dial("tcp", ln.Addr().String())
	defer c1.Close()
	c2, _ := net.Dial("tcp", ln.Addr().String())
	defer c2.Close()
	first := <-got
	select {
	case <-got:
		t.Fatal("a second connection was accepted while the first was open")
	case <-time.After(100 * time.Millisecond):
	}
	first.Close()
	select {
	case c := <-got:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("the second connection was not accepted after the first closed")
	}
}
